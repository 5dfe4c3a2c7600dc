"""Reads: dated parameters and reference tables, and the facts the engine needs.

Everything a batch needs is loaded up front in a fixed number of queries (parameters: one;
zoning: one for all the communes of the batch; partner regions and ODA list: one each), so a
batch of 10,000 simulations costs the same handful of queries as one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from .engine.parameters import ParameterTimeline
from .facts import (
    AudeFacts,
    Facts,
    HauteGaronneFacts,
    HorizonsFacts,
    HorizonsStudent,
    Mobility,
    OtherAid,
    PriorAward,
)
from .inputs import AudeIn, CaseIn, HauteGaronneIn, HorizonsIn, InvalidInput
from .models import OdaCountry, Parameter, PartnerRegion, ZoningEntry


def parameter_timelines(schemes: Iterable[str] | None = None) -> dict[str, ParameterTimeline]:
    """Every dated value of the given schemes (all when None), one query."""
    rows = Parameter.objects.select_related("scheme").order_by("scheme__code", "key", "valid_from")
    if schemes is not None:
        rows = rows.filter(scheme__code__in=list(schemes))
    grouped: dict[str, list] = defaultdict(list)
    for row in rows:
        grouped[row.scheme.code].append((row.key, row.valid_from, row.value))
    return {code: ParameterTimeline.from_raw(code, items) for code, items in grouped.items()}


@dataclass(frozen=True)
class _Dated:
    valid_from: date
    valid_to: date | None

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class _ZoneRow(_Dated):
    category: str


@dataclass
class ReferenceTables:
    """In-memory copies of the reference tables a batch reads, with dated look-ups."""

    zoning: dict[str, list[_ZoneRow]] = field(default_factory=dict)
    partners: list[tuple[str, str, _Dated]] = field(default_factory=list)
    oda: dict[str, list[_Dated]] = field(default_factory=dict)

    def zone(self, insee: str, on: date) -> str | None:
        """The commune's ARS category valid on `on`; None when the commune is not in the table."""
        for row in self.zoning.get(insee, ()):
            if row.covers(on):
                return row.category
        return None

    def is_partner_region(self, country: str, subdivision: str | None, on: date) -> bool:
        return any(
            c == country and (not sub or sub == subdivision) and dated.covers(on)
            for c, sub, dated in self.partners
        )

    def is_oda_country(self, country: str, on: date) -> bool:
        return any(dated.covers(on) for dated in self.oda.get(country, ()))


def reference_tables(cases: Sequence[CaseIn]) -> ReferenceTables:
    tables = ReferenceTables()
    communes = {
        c.internship.commune_insee if isinstance(c, HauteGaronneIn) else c.internship.supervisor_commune_insee
        for c in cases
        if isinstance(c, (HauteGaronneIn, AudeIn)) and c.internship.zone is None
    }
    if communes:
        for row in ZoningEntry.objects.filter(commune_insee__in=communes).order_by("-valid_from"):
            tables.zoning.setdefault(row.commune_insee, []).append(
                _ZoneRow(row.valid_from, row.valid_to, row.category)
            )
    horizons = [c for c in cases if isinstance(c, HorizonsIn)]
    if any(c.mobility.partner_region is None for c in horizons):
        tables.partners = [
            (p.country, p.subdivision, _Dated(p.valid_from, p.valid_to)) for p in PartnerRegion.objects.all()
        ]
    if any(c.mobility.oda_country is None for c in horizons):
        for row in OdaCountry.objects.all():
            tables.oda.setdefault(row.country, []).append(_Dated(row.valid_from, row.valid_to))
    return tables


def facts_from_case(case: CaseIn, *, today: date, tables: ReferenceTables) -> Facts:
    """The engine's facts for one validated request; table look-ups are dated by the start."""
    submitted_on = case.submitted_on or today
    if isinstance(case, HorizonsIn):
        m, start = case.mobility, case.mobility.start_date
        partner = m.partner_region
        if partner is None:
            partner = tables.is_partner_region(m.country, m.subdivision, start)
        oda = m.oda_country if m.oda_country is not None else tables.is_oda_country(m.country, start)
        return HorizonsFacts(
            aid=case.aid,
            submitted_on=submitted_on,
            student=HorizonsStudent(**case.student.model_dump()),
            mobility=Mobility(
                kind=m.kind, start_date=m.start_date, end_date=m.end_date, country=m.country,
                in_curriculum=m.in_curriculum, actual_end_date=m.actual_end_date,
                subdivision=m.subdivision, monthly_gratification=m.monthly_gratification,
                partner_region=partner, oda_country=oda, ects_credits=m.ects_credits,
                host_independent=m.host_independent, pegasus_host=m.pegasus_host,
                pegasus_award=m.pegasus_award, humanitarian=m.humanitarian,
                employer_contribution=m.employer_contribution,
            ),
            other_aid=OtherAid(**case.other_aid.model_dump()),
            prior_awards=tuple(PriorAward(a.aid, a.kind, a.weeks or 0) for a in case.prior_awards),
        )
    i = case.internship
    if isinstance(case, HauteGaronneIn):
        return HauteGaronneFacts(
            submitted_on=submitted_on,
            cycle=case.student.cycle,
            specialty=case.student.specialty,
            scholarship_holder=case.student.scholarship_holder,
            social_precarity=case.student.social_precarity,
            start_date=i.start_date,
            end_date=i.end_date,
            commune_insee=i.commune_insee,
            zone=i.zone if i.zone is not None else tables.zone(i.commune_insee, i.start_date),
            indemnities=tuple(dict.fromkeys(case.indemnities)),
        )
    return AudeFacts(
        submitted_on=submitted_on,
        cycle=case.student.cycle,
        faculty=case.student.faculty,
        passed_first_year_exam=case.student.passed_first_year_exam,
        start_date=i.start_date,
        end_date=i.end_date,
        specialty=i.specialty,
        supervisor_commune_insee=i.supervisor_commune_insee,
        zone=i.zone if i.zone is not None else tables.zone(i.supervisor_commune_insee, i.start_date),
    )


def check_rules_in_force(facts: Facts, timeline: ParameterTimeline | None) -> None:
    """Refuse, as invalid input naming the date field, a case dated before the scheme's rules."""
    field_name = "mobility.start_date" if isinstance(facts, HorizonsFacts) else "internship.start_date"
    first = timeline.first_date() if timeline else None
    if first is None:
        raise InvalidInput([("scheme", "aucun paramètre n'est défini pour ce dispositif")])
    if facts.reference_date < first:
        raise InvalidInput(
            [(field_name, f"le dispositif s'applique aux périodes commençant à partir du {first:%d/%m/%Y}")]
        )
