"""The authority's dashboard: committed / paid / recovered per scheme and year (table and
server-side SVG charts), the Chèque Apprentis State / Region split, the Aude indicators with the
follow-up of helped students, and the CSV export of the table.

Officers only, each on their own authority's figures: anyone else signed in gets a 404 (nothing
is revealed), an expired sign-in goes to the sign-in page. The figures come from
payments.indicators (aggregate queries); this module only lays them out. The charts are drawn
here as plain coordinates because no script or CDN is available: every bar carries a <title>,
and the same figures are in the tables, which is what screen readers read.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from functools import cached_property
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.rules import roles_of
from applications.exports import csv_cell
from applications.services import ServiceError
from schemes.engine.money import euros
from schemes.models import Authority, Scheme

from .. import indicators
from ..followups import follow_up_record

PER_PAGE = 25


# --- Access ------------------------------------------------------------------------------------
class AuthorityOfficerOnly:
    """Signed-in officers only; anyone else signed in is told nothing (404)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if roles_of(request.user).officer_authority_id is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    @property
    def authority_id(self) -> int:
        return roles_of(self.request.user).officer_authority_id


# --- Forms -------------------------------------------------------------------------------------
class DashboardFilterForm(forms.Form):
    academic_year = forms.TypedChoiceField(label=gettext_lazy("Année universitaire"), required=False, coerce=int,
                                           empty_value=None)
    scheme = forms.ModelChoiceField(label=gettext_lazy("Dispositif"), queryset=Scheme.objects.none(), required=False,
                                    empty_label=gettext_lazy("Tous les dispositifs"), to_field_name="code")

    def __init__(self, *args, years, schemes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["academic_year"].choices = [("", _("Toutes les années"))] + [(y, f"{y}-{y + 1}") for y in years]
        self.fields["scheme"].queryset = schemes

    def filters(self) -> dict:
        """The valid filters; a tampered value is ignored rather than turned into an error page."""
        if not self.is_valid():
            return {"academic_year": None, "scheme": None}
        return {"academic_year": self.cleaned_data["academic_year"], "scheme": self.cleaned_data["scheme"]}


class FollowUpForm(forms.Form):
    installed = forms.TypedChoiceField(
        label=gettext_lazy("Installé(e) dans l'Aude après ses études ?"), widget=forms.RadioSelect,
        choices=[("yes", gettext_lazy("Oui")), ("no", gettext_lazy("Non"))], coerce=lambda v: v == "yes",
    )
    installed_on = forms.DateField(label=gettext_lazy("Date d'installation"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    commune = forms.CharField(label=gettext_lazy("Commune d'installation"), max_length=120, required=False)


# --- Charts (pure: coordinates for the template) -----------------------------------------------
SERIES = (
    ("committed", gettext_lazy("Engagé"), "#1d4f91"),
    ("paid", gettext_lazy("Versé"), "#2e7d32"),
    ("recovered", gettext_lazy("Reversé"), "#b3541e"),
)
PLOT_HEIGHT, TOP, LEFT, BOTTOM, BAR, GAP = 180, 16, 84, 52, 26, 56


def _scale(value: Decimal, peak: Decimal, length: int) -> float:
    if not peak or value <= 0:
        return 0.0
    # A tiny amount still shows as a sliver rather than vanishing.
    return max(round(float(value / peak) * length, 1), 1.0)


def bar_chart(rows: list[indicators.IndicatorRow]) -> dict | None:
    """Grouped bars (committed, paid, recovered) per scheme and year, with a three-line scale."""
    if not rows:
        return None
    peak = max(getattr(r, key) for r in rows for key, _label, _color in SERIES) or Decimal("0")
    groups, x = [], LEFT
    for r in rows:
        bars = []
        for i, (key, label, color) in enumerate(SERIES):
            h = _scale(getattr(r, key), peak, PLOT_HEIGHT)
            title = f"{r.scheme_name} {r.year_label} – {label} : {euros(getattr(r, key))}"
            bars.append({"x": x + i * BAR, "y": round(TOP + PLOT_HEIGHT - h, 1), "width": BAR - 3, "height": h,
                         "color": color, "title": title})
        groups.append({"bars": bars, "x_mid": x + 1.5 * BAR, "name": r.scheme_name, "year": r.year_label})
        x += 3 * BAR + GAP
    ticks = [{"y": round(TOP + PLOT_HEIGHT * (1 - f), 1), "label": euros(peak * Decimal(str(f)))} for f in (0, 0.5, 1)]
    return {"width": x, "height": TOP + PLOT_HEIGHT + BOTTOM, "groups": groups, "ticks": ticks,
            "axis_y": TOP + PLOT_HEIGHT, "left": LEFT,
            "legend": [{"label": label, "color": c} for _k, label, c in SERIES]}


def split_chart(rows) -> dict | None:
    """One horizontal bar per year: the State's share then the Region's, on a common scale."""
    if not rows:
        return None
    width, label_w, bar_h, gap = 480, 90, 22, 12
    peak = max(r["paid"] for r in rows)
    lines = []
    for i, r in enumerate(rows):
        year = r["application__academic_year"]
        label = f"{year}-{year + 1}" if year else "—"
        state_w, region_w = _scale(r["state"], peak, width), _scale(r["region"], peak, width)
        lines.append({"y": i * (bar_h + gap), "label": label, "state_w": state_w, "region_x": label_w + state_w,
                      "region_w": region_w, "label_w": label_w,
                      "state_title": _("%(y)s – part de l'État : %(v)s") % {"y": label, "v": euros(r["state"])},
                      "region_title": _("%(y)s – part de la Région : %(v)s") % {"y": label, "v": euros(r["region"])}})
    return {"width": label_w + width + 8, "height": len(rows) * (bar_h + gap), "bar_h": bar_h, "lines": lines}


# --- Pages -------------------------------------------------------------------------------------
class DashboardContext(AuthorityOfficerOnly):
    @cached_property
    def filter_form(self) -> DashboardFilterForm:
        schemes = Scheme.objects.filter(authority_id=self.authority_id).order_by("code")
        years = indicators.authority_years(authority=self.authority_id)
        return DashboardFilterForm(self.request.GET or None, years=years, schemes=schemes)

    @cached_property
    def filters(self) -> dict:
        return self.filter_form.filters()

    @cached_property
    def rows(self) -> list[indicators.IndicatorRow]:
        return indicators.indicator_table(authority=self.authority_id, **self.filters)

    def shows(self, code: str) -> bool:
        """Whether the section of scheme `code` belongs on the page: the authority funds that
        scheme and the filter does not pick another. A section that cannot have a row is not
        queried at all (at 100,000 files, the Aude indicators cost the Region a scan of its files
        for none)."""
        scheme = self.filters["scheme"]
        if scheme is not None:
            return scheme.code == code
        return code in self.authority_scheme_codes

    @cached_property
    def authority_scheme_codes(self) -> set[str]:
        return set(Scheme.objects.filter(authority_id=self.authority_id).values_list("code", flat=True))


class AuthorityDashboardView(DashboardContext, TemplateView):
    template_name = "payments/dashboards/authority.html"

    def get_context_data(self, **kwargs):
        year = self.filters["academic_year"]
        authority = Authority.objects.get(pk=self.authority_id)
        scope = {"authority": self.authority_id, "academic_year": year}
        split = list(indicators.apprentice_split(**scope)) if self.shows("horizons") else []
        aude = list(indicators.aude_indicators(**scope)) if self.shows(indicators.AUDE) else []
        helped = None
        if aude:
            helped = Paginator(indicators.aude_helped_files(**scope), PER_PAGE).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            authority=authority, filter_form=self.filter_form, rows=self.rows,
            totals=indicators.indicator_totals(self.rows), chart=bar_chart(self.rows),
            split=split, split_chart=split_chart(split), aude=aude, helped=helped,
            export_query=urlencode({k: v for k in ("academic_year", "scheme") if (v := self.request.GET.get(k))}),
            **kwargs,
        )


class AuthorityDashboardCsvView(DashboardContext, View):
    HEADERS = ["Dispositif", "Année universitaire", "Bénéficiaires (décisions en vigueur)", "Engagé (EUR)",
               "Versé (EUR)", "Reversé (EUR)", "Remis (EUR)", "Créances en cours (EUR)",
               "Ordres de reversement ouverts"]

    def get(self, request, *args, **kwargs):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(self.HEADERS)
        for r in self.rows:
            writer.writerow([csv_cell(v) for v in (r.scheme_name, r.year_label, r.helped, r.committed, r.paid,
                                                    r.recovered, r.waived, r.outstanding, r.open_orders)])
        # UTF-8 with a BOM and ";": what French Excel opens correctly by double-click.
        response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="indicateurs.csv"'
        return response


class FollowUpView(AuthorityOfficerOnly, FormView):
    template_name = "payments/dashboards/follow_up.html"
    form_class = FollowUpForm

    @cached_property
    def application(self):
        return get_object_or_404(indicators.aude_helped_files(authority=self.authority_id), pk=self.kwargs["pk"])

    def get_initial(self):
        follow_up = getattr(self.application, "follow_up", None)
        if follow_up is None:
            return {}
        return {"installed": "yes" if follow_up.installed_in_department else "no",
                "installed_on": follow_up.installed_on, "commune": follow_up.commune}

    def get_context_data(self, **kwargs):
        return super().get_context_data(application=self.application, **kwargs)

    def form_valid(self, form):
        try:
            follow_up_record(application=self.application, by=self.request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request,
                         _("Suivi enregistré pour le dossier %(ref)s.") % {"ref": self.application.reference})
        return redirect(reverse("payments:authority_dashboard") + "#suivi")


urlpatterns = [
    path("tableau-de-bord/collectivite/", AuthorityDashboardView.as_view(), name="authority_dashboard"),
    path("tableau-de-bord/collectivite/export.csv", AuthorityDashboardCsvView.as_view(),
         name="authority_dashboard_csv"),
    path("tableau-de-bord/collectivite/suivi/<int:pk>/", FollowUpView.as_view(), name="follow_up_record"),
]
