"""The student's simulator form (see simulator.py), split by theme: `choices` (field paths and
choices), `fields` (field factories), `simulator` (the form), `layout` (its page layout).
Everything public is importable from `schemes.forms`, as before."""

from .choices import (
    AID_CHOICES,
    CYCLE_CHOICES,
    FACULTY_CHOICES,
    FIELD_PATHS,
    INDEMNITY_CHOICES,
    KIND_CHOICES,
    LEVEL_LABELS,
    PRIOR_AWARD_FIELDS,
    SCHEME_CHOICES,
    SPECIALTY_CHOICES,
    ZONE_CHOICES,
)
from .fields import BoundedDateField
from .simulator import SimulatorForm

__all__ = [
    "AID_CHOICES",
    "BoundedDateField",
    "CYCLE_CHOICES",
    "FACULTY_CHOICES",
    "FIELD_PATHS",
    "INDEMNITY_CHOICES",
    "KIND_CHOICES",
    "LEVEL_LABELS",
    "PRIOR_AWARD_FIELDS",
    "SCHEME_CHOICES",
    "SPECIALTY_CHOICES",
    "SimulatorForm",
    "ZONE_CHOICES",
]
