"""Writes of the applications app, by theme: the file's workflow up to the decision
(workflow.py), and decisions, letters, appeals and changes after the decision (decisions.py).
Callers import from here: `from applications import services; services.application_submit(...)`.
"""

from .decisions import *  # noqa: F403
from .workflow import *  # noqa: F403
from .workflow import INCURABLE_REASONS, ServiceError  # noqa: F401 (named explicitly for readers)
