"""The simulation contract's input, checked field by field.

`parse_case(data)` turns one decoded JSON value into a typed request or raises InvalidInput with
one (field.path, message) per problem: the CLI prints them as `field.path: message` lines, the
API returns them as {"errors": [{"field", "message"}]}, the simulator page shows each next to
its field. Messages are in French, like the rest of the contract's messages.

The pydantic models also document the API (OpenAPI schema of POST /api/v1/simulate).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

import pycountry
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from .facts import HORIZONS_LEVELS

SCHEMES = ("horizons", "aude", "haute-garonne")
AIDS = ("grant", "cooperation", "eurocampus", "pegasus", "humanitarian", "apprentice")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Dates a case may carry. Outside this range a date is a typo (0202, 20250) or a probe (9999-12-31,
# whose month arithmetic overflows into year 10000), never a real mobility: refused per field.
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2200, 12, 31)
DATE_RANGE_MESSAGE = "date hors de la plage admise (du 01/01/1900 au 31/12/2200)"
# The same, for the OpenAPI document (ECMA regex: [0-9], not \d, which Python widens to Unicode).
DATE_PATTERN = r"^(19[0-9]{2}|2[01][0-9]{2}|2200)-[0-9]{2}-[0-9]{2}$"
AMOUNT_PATTERN = r"^[0-9]{1,9}(\.[0-9]{1,2})?$"
_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


class InvalidInput(ValueError):
    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))


# --- Field types ----------------------------------------------------------------------------
def _iso_date(value: Any) -> date:
    if isinstance(value, date):
        return checked_date(value)
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("date attendue au format AAAA-MM-JJ")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ValueError("date inexistante (format AAAA-MM-JJ)") from None
    return checked_date(parsed)


def checked_date(value: date) -> date:
    """`value` if within DATE_MIN..DATE_MAX; ValueError with the French message otherwise."""
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValueError(DATE_RANGE_MESSAGE)
    return value


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise ValueError("montant attendu, en euros (nombre ou chaîne, ex. \"554.40\")")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("montant attendu, en euros (ex. \"554.40\")") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError("le montant doit être positif ou nul")
    if amount.as_tuple().exponent < -2:
        raise ValueError("au plus deux décimales (centimes)")
    if amount >= Decimal("1e9"):
        raise ValueError("montant trop élevé")
    return amount


def _credits(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise ValueError("nombre de crédits ECTS attendu")
    try:
        credits = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("nombre de crédits ECTS attendu") from None
    if not credits.is_finite() or credits < 0 or credits > 1000:
        raise ValueError("nombre de crédits ECTS entre 0 et 1000 attendu")
    return credits


def _country(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{2}", value.strip()):
        raise ValueError("code pays ISO 3166-1 alpha-2 attendu (ex. DE)")
    code = value.strip().upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"code pays inconnu : {code}")
    return code


def _subdivision(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{2}-[A-Za-z0-9]{1,3}", value.strip()):
        raise ValueError("code de subdivision ISO 3166-2 attendu (ex. ES-CT)")
    code = value.strip().upper()
    if pycountry.subdivisions.get(code=code) is None:
        raise ValueError(f"subdivision inconnue : {code}")
    return code


def _insee(value: Any) -> str:
    if not isinstance(value, str) or not _INSEE.match(value.strip().upper()):
        raise ValueError("code INSEE de commune attendu : 5 caractères (ex. 31555)")
    return value.strip().upper()


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("texte attendu")
    if len(value) > TEXT_MAX_LENGTH:
        raise ValueError(f"au plus {TEXT_MAX_LENGTH} caractères")
    return value.strip().lower()


TEXT_MAX_LENGTH = 100


# The json_schema_extra below make the OpenAPI document say what the validators accept: no schema
# may allow a value (an empty string, a year 9999) that the API then refuses as malformed.
IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    Field(json_schema_extra={"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]
Amount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    Field(
        json_schema_extra={
            "anyOf": [
                {"type": "string", "pattern": AMOUNT_PATTERN},
                # Numbers with cents are accepted too, but a float in a schema cannot promise
                # two decimals (0.35000000000000003), so the document offers whole euros only.
                {"type": "integer", "minimum": 0, "maximum": 999_999_999},
            ],
            "examples": ["554.40"],
        }
    ),
]
Credits = Annotated[
    Decimal,
    BeforeValidator(_credits),
    Field(json_schema_extra={"type": "number", "minimum": 0, "maximum": 1000}),
]
Country = Annotated[
    str,
    BeforeValidator(_country),
    Field(json_schema_extra={"type": "string", "pattern": "^[A-Z]{2}$", "examples": ["DE"]}),
]
Subdivision = Annotated[
    str,
    BeforeValidator(_subdivision),
    Field(json_schema_extra={"type": "string", "pattern": "^[A-Z]{2}-[A-Z0-9]{1,3}$", "examples": ["ES-CT"]}),
]
Insee = Annotated[
    str,
    BeforeValidator(_insee),
    Field(json_schema_extra={"type": "string", "pattern": "^([0-9]{5}|2[AB][0-9]{3})$", "examples": ["31555"]}),
]
Code = Annotated[
    str,
    BeforeValidator(_text),
    Field(json_schema_extra={"type": "string", "minLength": 1, "maxLength": TEXT_MAX_LENGTH, "pattern": r"\S"}),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# --- Horizons -------------------------------------------------------------------------------
class HorizonsStudentIn(_Model):
    level: Literal[HORIZONS_LEVELS]  # type: ignore[valid-type]
    establishment_in_region: StrictBool
    recognised_diploma: StrictBool
    scholarship_holder: StrictBool
    apprentice: StrictBool = False


class MobilityIn(_Model):
    kind: Literal["study", "internship"]
    start_date: IsoDate
    end_date: IsoDate
    actual_end_date: IsoDate | None = None
    country: Country
    subdivision: Subdivision | None = None
    in_curriculum: StrictBool
    monthly_gratification: Amount = Decimal("0")
    partner_region: StrictBool | None = None
    oda_country: StrictBool | None = None
    ects_credits: Credits | None = None
    host_independent: StrictBool = False
    pegasus_host: StrictBool = False
    pegasus_award: StrictBool = False
    humanitarian: StrictBool = False
    employer_contribution: Amount = Decimal("0")


class OtherAidIn(_Model):
    erasmus: StrictBool = False
    other_collectivity_grant: StrictBool = False
    crous_mobility_aid: StrictBool = False


class PriorAwardIn(_Model):
    aid: Literal[AIDS]  # type: ignore[valid-type]
    kind: Literal["study", "internship"]
    weeks: StrictInt | None = Field(default=None, ge=0, le=200)


class HorizonsIn(_Model):
    scheme: Literal["horizons"]
    aid: Literal[AIDS]  # type: ignore[valid-type]
    submitted_on: IsoDate | None = None
    student: HorizonsStudentIn
    mobility: MobilityIn
    other_aid: OtherAidIn = OtherAidIn()
    prior_awards: list[PriorAwardIn] = Field(default_factory=list, max_length=50)


# --- Haute-Garonne --------------------------------------------------------------------------
class HauteGaronneStudentIn(_Model):
    cycle: Literal[1, 2, 3]
    specialty: Code
    scholarship_holder: StrictBool = False
    social_precarity: StrictBool = False


class HauteGaronneInternshipIn(_Model):
    start_date: IsoDate
    end_date: IsoDate
    commune_insee: Insee
    zone: Literal["zip", "zac", "none"] | None = None


class HauteGaronneIn(_Model):
    scheme: Literal["haute-garonne"]
    submitted_on: IsoDate | None = None
    student: HauteGaronneStudentIn
    internship: HauteGaronneInternshipIn
    indemnities: list[Literal["travel", "housing"]] = Field(default=["travel", "housing"], min_length=1, max_length=2)


# --- Aude -----------------------------------------------------------------------------------
class AudeStudentIn(_Model):
    cycle: Literal[1, 2, 3]
    faculty: Code
    passed_first_year_exam: StrictBool = True


class AudeInternshipIn(_Model):
    start_date: IsoDate
    end_date: IsoDate
    specialty: Code
    supervisor_commune_insee: Insee
    zone: Literal["zip", "zac", "none"] | None = None


class AudeIn(_Model):
    scheme: Literal["aude"]
    submitted_on: IsoDate | None = None
    student: AudeStudentIn
    internship: AudeInternshipIn


CaseIn = HorizonsIn | HauteGaronneIn | AudeIn
MODELS: dict[str, type[_Model]] = {"horizons": HorizonsIn, "haute-garonne": HauteGaronneIn, "aude": AudeIn}


# --- Parsing --------------------------------------------------------------------------------
def _message(error: dict[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "champ obligatoire"
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace(" or ", " ou ")
        return f"valeur non admise ; valeurs possibles : {expected}"
    if kind in ("bool_type", "bool_parsing"):
        return "booléen attendu (true ou false)"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "nombre entier attendu"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "objet JSON attendu"
    if kind == "list_type":
        return "liste JSON attendue"
    if kind == "too_short":
        return "la liste ne peut pas être vide"
    if kind == "too_long":
        return "liste trop longue"
    if kind == "greater_than_equal":
        return f"doit être supérieur ou égal à {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"doit être inférieur ou égal à {ctx.get('le')}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return error["msg"]


def _path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        parts.append(f"[{item}]" if isinstance(item, int) else str(item))
    return ".".join(parts).replace(".[", "[")


def _cross_field_errors(case: CaseIn) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    if isinstance(case, HorizonsIn):
        m, prefix = case.mobility, "mobility"
        if m.actual_end_date is not None and m.actual_end_date < m.start_date:
            errors.append((f"{prefix}.actual_end_date", "la date de fin effective précède la date de début"))
        if m.subdivision and not m.subdivision.startswith(m.country + "-"):
            errors.append((f"{prefix}.subdivision", f"la subdivision {m.subdivision} n'appartient pas au pays {m.country}"))
        for index, award in enumerate(case.prior_awards):
            if award.aid == "grant" and award.weeks is None:
                errors.append((f"prior_awards[{index}].weeks", "nombre de semaines obligatoire pour une bourse"))
    else:
        m, prefix = case.internship, "internship"
    if m.end_date < m.start_date:
        errors.insert(0, (f"{prefix}.end_date", "la date de fin précède la date de début"))
    return errors


def _date_order_errors(data: dict, scheme: str, known: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """"End before start" on the raw data, so that a form with other mistakes shows it at once
    rather than on the next try (the full cross-field check runs once every field is valid)."""
    section = "mobility" if scheme == "horizons" else "internship"
    dates = data.get(section)
    if not isinstance(dates, dict) or any(f.startswith(f"{section}.") and "date" in f for f, _ in known):
        return []
    try:
        start, end = _iso_date(dates.get("start_date")), _iso_date(dates.get("end_date"))
    except ValueError:
        return []
    return [(f"{section}.end_date", "la date de fin précède la date de début")] if end < start else []


def parse_case(data: Any) -> CaseIn:
    """Validate one case; raises InvalidInput listing every problem found."""
    if not isinstance(data, dict):
        raise InvalidInput([("(racine)", "objet JSON attendu")])
    scheme = data.get("scheme")
    if scheme is None:
        raise InvalidInput([("scheme", "champ obligatoire ; valeurs possibles : " + ", ".join(SCHEMES))])
    # A list or an object is not hashable: checked as a type first, where `in MODELS` raised.
    if not isinstance(scheme, str) or scheme not in MODELS:
        raise InvalidInput([("scheme", "valeur non admise ; valeurs possibles : " + ", ".join(SCHEMES))])
    try:
        case = MODELS[scheme].model_validate(data)
    except ValidationError as exc:
        errors = [(_path(e["loc"]), _message(e)) for e in exc.errors()]
        raise InvalidInput(errors + _date_order_errors(data, scheme, errors)) from None
    errors = _cross_field_errors(case)
    if errors:
        raise InvalidInput(errors)
    return case
