"""Public pages of the schemes app: the home page and the student simulator (no login)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .forms import AID_CHOICES, SCHEME_CHOICES, SimulatorForm
from .inputs import InvalidInput
from .simulation import validate_batch, verdicts_for

# The session key under which "Faire ma demande" hands the simulator's answers (the contract's
# JSON object) to the new application's page, which reads them once.
SIMULATION_ANSWERS = "simulator_answers"


def home(request):
    return render(request, "schemes/home.html")


@require_http_methods(["GET", "POST"])
def simulator(request):
    # POST, though the calculation changes nothing: it keeps a student's situation out of URLs
    # and server logs.
    form = SimulatorForm(request.POST if request.method == "POST" else None)
    verdict = None
    if request.method == "POST" and "apply" in request.POST and form.is_valid():
        # "Faire ma demande": the answers go in the session (not the URL, for the reason above)
        # and the student lands on the new application, through the sign-in if need be. The page
        # is named by URL only: the schemes layer imports nothing of applications.
        request.session[SIMULATION_ANSWERS] = form.payload()
        return redirect("applications:application_new")
    if request.method == "POST" and form.is_valid():
        try:
            # The engine path of the CLI and the API, kept at the Verdict level for Reason.advice.
            cases = validate_batch([form.payload()], indexed=False)
            verdict = verdicts_for(cases, today=timezone.localdate())[0]
        except InvalidInput as exc:
            form.add_engine_errors(exc.errors)
    context = {"form": form, "verdict": verdict}
    if verdict:
        context.update(
            scheme_label=dict(SCHEME_CHOICES)[verdict.scheme],
            aid_label=dict(AID_CHOICES).get(verdict.aid),
        )
    return render(request, "schemes/simulator.html", context)


def rules(request, code: str):
    """The rules of one scheme as the engine applies them, generated from the engine and the
    dated parameters (CRPA L311-3-1, R311-3-1-1): public, no login."""
    from .models import Parameter, Scheme
    from .transparency import ENTRIES, conditions_of, parameters_of

    scheme = Scheme.objects.select_related("authority").filter(code=code).first()
    if scheme is None or code not in ENTRIES:
        raise Http404
    rows = Parameter.objects.filter(scheme=scheme)
    return render(request, "schemes/rules.html", {
        "scheme": scheme,
        "conditions": conditions_of(code, default_article=scheme.regulation),
        "parameters": parameters_of(code, rows),
        "schemes": Scheme.objects.order_by("code"),
    })
