"""Student forms of the application journey, by step: field helpers (fields.py), creation,
identity and bank details (steps.py), the declared situation per scheme (situation.py), and the
file page's documents, messages, submission and withdrawal (student.py).

Forms only validate and shape input: each exposes `service_kwargs()` (what the view hands to one
service) and never saves.
"""

from .fields import *  # noqa: F403
from .situation import *  # noqa: F403
from .steps import *  # noqa: F403
from .student import *  # noqa: F403
