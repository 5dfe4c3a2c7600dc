"""The facts a rule reads: frozen dataclasses, no ORM objects, no clock.

Selectors (schemes/selectors.py) build these from a simulation request or from an application
stored in the database; the engine (schemes/engine/) only ever sees these objects. Every
look-up in a reference table (zoning, partner regions, ODA list) has already been resolved
here, so the engine stays a pure function of its arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

SchemeCode = Literal["horizons", "aude", "haute-garonne"]
HorizonsAid = Literal["grant", "cooperation", "eurocampus", "pegasus", "humanitarian", "apprentice"]
MobilityKind = Literal["study", "internship"]
Zone = Literal["zip", "zac", "none"]
Indemnity = Literal["travel", "housing"]

HORIZONS_LEVELS = (
    "L1", "L2", "L3", "M1", "M2", "BTS", "DUT", "DUETE", "HEALTH_SOCIAL", "DOCTORATE", "OTHER",
)
CHEQUES = ("cooperation", "eurocampus", "pegasus", "humanitarian", "apprentice")


# --- Midi-Pyrénées Horizons ----------------------------------------------------------------
@dataclass(frozen=True)
class HorizonsStudent:
    level: str
    establishment_in_region: bool
    recognised_diploma: bool
    scholarship_holder: bool
    apprentice: bool = False


@dataclass(frozen=True)
class Mobility:
    kind: MobilityKind
    start_date: date
    end_date: date
    country: str
    in_curriculum: bool
    actual_end_date: date | None = None
    subdivision: str | None = None
    monthly_gratification: Decimal = Decimal("0")
    # Resolved by the selector: from the request when given, else from the portal's tables.
    partner_region: bool = False
    oda_country: bool = False
    ects_credits: Decimal | None = None
    host_independent: bool = False
    pegasus_host: bool = False
    pegasus_award: bool = False
    humanitarian: bool = False
    employer_contribution: Decimal = Decimal("0")


@dataclass(frozen=True)
class OtherAid:
    erasmus: bool = False
    other_collectivity_grant: bool = False
    crous_mobility_aid: bool = False


@dataclass(frozen=True)
class PriorAward:
    """Horizons aid already granted to the same student for the same academic year."""

    aid: HorizonsAid
    kind: MobilityKind
    weeks: int = 0  # funded weeks; meaningful for grants only


@dataclass(frozen=True)
class HorizonsFacts:
    aid: HorizonsAid
    submitted_on: date
    student: HorizonsStudent
    mobility: Mobility
    other_aid: OtherAid = field(default_factory=OtherAid)
    prior_awards: tuple[PriorAward, ...] = ()

    scheme: SchemeCode = "horizons"

    @property
    def reference_date(self) -> date:
        """Parameters apply by the mobility's start date (see docs/rules.md)."""
        return self.mobility.start_date


# --- Département de la Haute-Garonne, Aide Jeune Médecin ----------------------------------
@dataclass(frozen=True)
class HauteGaronneFacts:
    submitted_on: date
    cycle: int
    specialty: str
    scholarship_holder: bool
    social_precarity: bool
    start_date: date
    end_date: date
    commune_insee: str
    zone: Zone | None  # None: not given and not found in the zoning table
    indemnities: tuple[Indemnity, ...] = ("travel", "housing")

    scheme: SchemeCode = "haute-garonne"

    @property
    def reference_date(self) -> date:
        return self.start_date


# --- Département de l'Aude, aid to 2nd-cycle medical students ------------------------------
@dataclass(frozen=True)
class AudeFacts:
    submitted_on: date
    cycle: int
    faculty: str
    passed_first_year_exam: bool
    start_date: date
    end_date: date
    specialty: str
    supervisor_commune_insee: str
    zone: Zone | None

    scheme: SchemeCode = "aude"

    @property
    def reference_date(self) -> date:
        return self.start_date


Facts = HorizonsFacts | HauteGaronneFacts | AudeFacts
