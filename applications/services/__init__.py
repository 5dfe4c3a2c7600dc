"""Writes of the applications app: the file's workflow up to its instruction (workflow.py) and its
deadline sweeps (sweeps.py); the outbox of background work every stage writes to (outbox.py).
Callers import from here: `from applications import services; services.application_submit(...)`.
What is decided about a file is written by decisions.services.
"""

from .outbox import *  # noqa: F403
from .sweeps import *  # noqa: F403
from .workflow import *  # noqa: F403
from .workflow import INCURABLE_REASONS, ServiceError  # noqa: F401 (named explicitly for readers)
