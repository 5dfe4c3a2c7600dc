"""Print the application workflow as a Mermaid state diagram, read from the model's FSM.

docs/workflow.md embeds its output; tests/integration/test_workflow_diagram.py fails when the
two differ, so the diagram in the docs is always the code's."""

from django.core.management.base import BaseCommand

from applications.models import Application
from applications.states import State


def mermaid() -> str:
    field = Application._meta.get_field("state")
    lines = ["stateDiagram-v2", f"    [*] --> {State.DRAFT}"]
    edges = set()
    for transition in field.get_all_transitions(Application):
        targets = getattr(transition.target, "allowed_states", None) or [transition.target]
        for target in targets:
            edges.add((str(transition.source), str(target), transition.name))
    for source, target, name in sorted(edges):
        lines.append(f"    {source} --> {target}: {name}")
    for state in State:
        lines.append(f"    {state.value}: {state.label}")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Prints the application workflow (states and transitions) as a Mermaid diagram."

    def handle(self, *args, **options):
        self.stdout.write(mermaid(), ending="")
