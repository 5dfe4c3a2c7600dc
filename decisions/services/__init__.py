"""Writes of the decisions app, by theme: commission sessions and their agenda (sessions.py), closing them into decisions (closing.py);
notification, appeals and changes after the decision (aftercare.py); the
rejections decided without the commission, incomplete files and closures (acts.py). Callers import from here:
`from decisions import services; services.session_close_start(...)`.
"""

from applications.services import ServiceError  # noqa: F401 (the one domain error, raised here too)

from .acts import *  # noqa: F403
from .aftercare import *  # noqa: F403
from .closing import *  # noqa: F403
from .sessions import *  # noqa: F403
