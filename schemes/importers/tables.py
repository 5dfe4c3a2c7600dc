"""One description per reference table: its columns, natural key, fixture and row parser."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from ..models import OdaCountry, PartnerRegion, PegasusInstitution, ZoningEntry
from .lines import _Line, check_country, check_subdivision

_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


def _insee(value: str) -> str:
    code = value.upper()
    if not _INSEE.match(code):
        raise ValueError(f"code INSEE de commune attendu, 5 caractères (ex. 31555) : « {value} »")
    return code


def _category(value: str) -> str:
    category = value.lower()
    if category not in ZoningEntry.Category.values:
        raise ValueError(f"catégorie attendue : zip, zac ou none : « {value} »")
    return category


def _zoning_row(line: _Line) -> dict[str, Any]:
    return line.period(
        {
            "commune_insee": line.checked("commune_insee", _insee),
            "commune_name": line.text("commune_name", max_length=120),
            "category": line.checked("category", _category),
        }
    )


def _partner_row(line: _Line) -> dict[str, Any]:
    name = line.text("name", max_length=160)
    country = line.checked("country", check_country)
    return line.period(
        {
            "name": name,
            "country": country,
            # Checked against the country only when the country itself is valid, so that one
            # wrong country code is not reported twice.
            "subdivision": line.checked(
                "subdivision", lambda v: check_subdivision(v, country or None), required=False
            ),
        }
    )


def _oda_row(line: _Line) -> dict[str, Any]:
    return line.period(
        {
            "country": line.checked("country", check_country),
            "name": line.text("name", max_length=120),
        }
    )


def _pegasus_row(line: _Line) -> dict[str, Any]:
    return {
        "name": line.text("name", max_length=200),
        "country": line.checked("country", check_country),
        "city": line.text("city", max_length=120, required=False),
        "active": line.boolean("active", default=True),
    }


@dataclass(frozen=True)
class Table:
    name: str
    model: type[models.Model]
    required: tuple[str, ...]
    optional: tuple[str, ...]
    key: tuple[str, ...]
    parse: Callable[[_Line], dict[str, Any]] = field(repr=False)
    fixture: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "zoning",
            ZoningEntry,
            required=("commune_insee", "commune_name", "category", "valid_from"),
            optional=("valid_to",),
            key=("commune_insee", "valid_from"),
            parse=_zoning_row,
            fixture="zoning_ars_occitanie.csv",
        ),
        Table(
            "partner_regions",
            PartnerRegion,
            required=("name", "country", "valid_from"),
            optional=("subdivision", "valid_to"),
            key=("country", "subdivision", "valid_from"),
            parse=_partner_row,
            fixture="partner_regions.csv",
        ),
        Table(
            "oda",
            OdaCountry,
            required=("country", "name", "valid_from"),
            optional=("valid_to",),
            key=("country", "valid_from"),
            parse=_oda_row,
            fixture="oda_countries.csv",
        ),
        Table(
            "pegasus",
            PegasusInstitution,
            required=("name", "country"),
            optional=("city", "active"),
            key=("name",),
            parse=_pegasus_row,
            fixture="pegasus_institutions.csv",
        ),
    )
}
