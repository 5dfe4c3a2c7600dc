"""The workflow documentation is the code's: diagram and transition table stay in sync."""

from pathlib import Path

from applications.management.commands.workflow_diagram import mermaid
from applications.models import Application
from applications.states import TRANSITIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "workflow.md"


def test_docs_embed_the_diagram_drawn_from_the_model():
    assert mermaid() in DOC.read_text(encoding="utf-8"), "run: manage.py workflow_diagram and update docs/workflow.md"


def test_transition_table_matches_the_model():
    field = Application._meta.get_field("state")
    from_model = {}
    for t in field.get_all_transitions(Application):
        targets = getattr(t.target, "allowed_states", None) or [t.target]
        from_model.setdefault(t.name, (set(), set()))
        from_model[t.name][0].add(str(t.source))
        from_model[t.name][1].update(str(x) for x in targets)
    from_table = {name: ({str(s) for s in sources}, {str(t) for t in targets}) for name, sources, targets, _, _ in TRANSITIONS}
    assert from_table == from_model
