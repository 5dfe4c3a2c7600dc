"""The rules engine: one pure function per scheme, over frozen facts and dated parameters.

    verdict = evaluate(facts, timeline)

`timeline` is the scheme's ParameterTimeline (schemes.selectors.parameter_timeline); the engine
reads the snapshot in force on the facts' reference date (the mobility's or internship's start).
No ORM, no clock, no settings: the simulator, the application form's estimate, the officer's
instruction screen and the decision letter all call this one function.
"""

from ..facts import AudeFacts, Facts, HauteGaronneFacts, HorizonsFacts
from . import horizons, medical
from .parameters import ParameterMissing, ParameterTimeline
from .results import ENGINE_VERSION, Line, Reason, Settlement, Verdict

__all__ = [
    "ENGINE_VERSION", "Line", "ParameterMissing", "ParameterTimeline", "Reason", "Settlement",
    "Verdict", "evaluate",
]


def evaluate(facts: Facts, timeline: ParameterTimeline) -> Verdict:
    """Decide eligibility and amount. Raises ParameterMissing only when the timeline has no value
    in force on the reference date (callers check `timeline.first_date()` beforehand)."""
    if timeline.scheme != facts.scheme:
        raise ValueError(f"parameters of '{timeline.scheme}' given for a '{facts.scheme}' case")
    snapshot = timeline.at(facts.reference_date)
    if isinstance(facts, HorizonsFacts):
        return horizons.evaluate(facts, snapshot)
    if isinstance(facts, HauteGaronneFacts):
        return medical.evaluate_haute_garonne(facts, snapshot)
    if isinstance(facts, AudeFacts):
        return medical.evaluate_aude(facts, snapshot)
    raise TypeError(f"no engine for {type(facts).__name__}")
