"""Reads: dated parameters and reference tables, and the facts the engine needs.

The parameters and the three reference tables are small (a few hundred rows) and change a few
times a year, but rebuilding them took most of a simulation request. Each process therefore
keeps them in memory under the version stamp it read them with (models.ReferenceVersion), and
every call compares that stamp with the database's: one primary-key read, whatever the batch.
Any write to those tables bumps the stamp (schemes.signals, VersionedQuerySet), in the writer's
transaction, so the next request of every process sees the change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

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
from .inputs import CaseIn, HauteGaronneIn, HorizonsIn, InvalidInput
from .models import OdaCountry, Parameter, PartnerRegion, ReferenceVersion, ZoningEntry


def parameter_timelines(schemes: Iterable[str] | None = None) -> dict[str, ParameterTimeline]:
    """Every dated value of the given schemes (all when None), from the process cache."""
    timelines = reference_data().timelines
    if schemes is None:
        return dict(timelines)
    return {code: timelines[code] for code in schemes if code in timelines}


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


def reference_tables(cases: Sequence[CaseIn] = ()) -> ReferenceTables:
    """Every row of the zoning, partner regions and ODA tables, from the process cache. Shared
    by every caller of the process: read it, never change it. (`cases` is what the tables were
    once filtered by; the whole tables are now read once per version.)"""
    return reference_data().tables


@dataclass(frozen=True)
class ReferenceData:
    timelines: dict[str, ParameterTimeline]
    tables: ReferenceTables


class ReferenceCache:
    """The parameters and reference tables as one process last read them, with the stamp they
    were read under. Each web worker holds one (PROCESS_CACHE); nothing but the stamp in the
    database tells it to reload, so a change made through any worker reaches all of them."""

    def __init__(self) -> None:
        # (token, data), replaced as a whole: a reader never sees half of it.
        self._held: tuple[Any, ReferenceData] | None = None

    def get(self) -> ReferenceData:
        """The data in force in the database: one query when this process holds the current
        version, four more when it does not.

        The stamp is read before the tables: a change committed in between is then held under
        the older stamp and reloaded at the next call, never the reverse."""
        token = ReferenceVersion.objects.current()
        held = self._held
        if held is not None and token is not None and held[0] == token:
            return held[1]
        data = ReferenceData(timelines=_load_timelines(), tables=_load_tables())
        if token is not None:
            self._held = (token, data)
        return data


PROCESS_CACHE = ReferenceCache()


def reference_data() -> ReferenceData:
    return PROCESS_CACHE.get()


def _load_timelines() -> dict[str, ParameterTimeline]:
    rows = Parameter.objects.order_by("scheme__code", "key", "valid_from").values_list(
        "scheme__code", "key", "valid_from", "value"
    )
    grouped: dict[str, list] = defaultdict(list)
    for code, key, valid_from, value in rows:
        grouped[code].append((key, valid_from, value))
    return {code: ParameterTimeline.from_raw(code, items) for code, items in grouped.items()}


def _load_tables() -> ReferenceTables:
    tables = ReferenceTables()
    for row in ZoningEntry.objects.order_by("commune_insee", "-valid_from"):
        tables.zoning.setdefault(row.commune_insee, []).append(_ZoneRow(row.valid_from, row.valid_to, row.category))
    tables.partners = [
        (p.country, p.subdivision, _Dated(p.valid_from, p.valid_to)) for p in PartnerRegion.objects.all()
    ]
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
