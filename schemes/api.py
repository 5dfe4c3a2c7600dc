"""The JSON API (`/api/v1/`): POST /simulate, the simulation contract over HTTP.

The body is decoded and validated by the very code the `simulate` command uses (one object or an
array; money kept exact), so both interfaces answer the same JSON for the same input. Ninja is
not left to parse the body: its OpenAPI document describes it from the pydantic input models.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Schema
from pydantic.json_schema import models_json_schema

from core.net import client_ip

from .api_docs import PortalDocs
from .inputs import AudeIn, HauteGaronneIn, HorizonsIn, InvalidInput
from .simulation import decode_payload, simulate_payload
from .throttle import throttle_charge

REF = "#/components/schemas/{model}"
JSON = "application/json; charset=utf-8"


# --- Documented shapes (the answers themselves are built by the engine, key for key) ---------
class ReasonOut(Schema):
    code: str
    article: str
    message: str


class LineOut(Schema):
    article: str
    text: str
    amount: str


class SettlementOut(Schema):
    final_amount: str
    advance: str
    balance: str
    repayment: str


class SimulationResultOut(Schema):
    scheme: str
    aid: str | None = None
    eligible: bool
    amount: str
    weeks: int | None = None
    reasons: list[ReasonOut]
    explanation: list[LineOut]
    settlement: SettlementOut | None = None


class ErrorOut(Schema):
    field: str
    message: str


class ErrorsOut(Schema):
    errors: list[ErrorOut]


def _input_definitions() -> dict[str, Any]:
    """JSON schemas of the three input models and a `SimulationCase` choosing by `scheme`."""
    models = [(HorizonsIn, "validation"), (HauteGaronneIn, "validation"), (AudeIn, "validation")]
    _, top = models_json_schema(models, ref_template=REF)
    definitions = dict(top.get("$defs", {}))
    mapping = {"horizons": "HorizonsIn", "haute-garonne": "HauteGaronneIn", "aude": "AudeIn"}
    definitions["SimulationCase"] = {
        "title": "SimulationCase",
        "description": "Un cas à simuler ; le champ `scheme` désigne le dispositif.",
        "oneOf": [{"$ref": REF.format(model=name)} for name in mapping.values()],
        "discriminator": {
            "propertyName": "scheme",
            "mapping": {key: REF.format(model=name) for key, name in mapping.items()},
        },
    }
    return definitions


INPUT_DEFINITIONS = _input_definitions()
REQUEST_BODY = {
    "required": True,
    "description": (
        "Un cas (objet JSON) ou plusieurs (tableau d'objets, résultats dans le même ordre)."
    ),
    "content": {
        "application/json": {
            "schema": {
                "oneOf": [
                    {"$ref": REF.format(model="SimulationCase")},
                    {"type": "array", "items": {"$ref": REF.format(model="SimulationCase")}},
                ]
            }
        }
    },
}


class PortalAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        # The request body is described by openapi_extra with $refs to these definitions.
        schema.add_schema_definitions(INPUT_DEFINITIONS)
        return schema


# /docs is a page of the portal (schemes/api_docs.py says why not Swagger UI).
api = PortalAPI(title="Portail des aides aux études", version="1", urls_namespace="api-v1", docs=PortalDocs())


def _json(status: int, value: Any) -> HttpResponse:
    # Compact, unlike the command's indented output (dump_result, read by people): without
    # `indent`, json.dumps uses its C encoder, 0.14 ms less a request than the pure-Python one
    # that indenting needs (bench/profile_pages.py; README, "The web under load").
    return HttpResponse(json.dumps(value, ensure_ascii=False), status=status, content_type=JSON)


def _errors(status: int, errors: list[tuple[str, str]]) -> HttpResponse:
    return _json(status, {"errors": [{"field": f, "message": m} for f, m in errors]})


@api.post(
    "/simulate",
    response={
        200: SimulationResultOut | list[SimulationResultOut],
        400: ErrorsOut,
        413: ErrorsOut,
        422: ErrorsOut,
        429: ErrorsOut,
    },
    summary="Simuler l'éligibilité et le montant d'une aide",
    description=(
        "Même contrat que `manage.py simulate` : 200 avec le résultat (objet, ou tableau "
        "dans l'ordre des cas) ; 400 si le corps n'est pas du JSON ; 422 si un champ est invalide ; "
        "413 si le corps dépasse SIMULATE_MAX_BODY_BYTES octets (256 Kio par défaut) ou le tableau "
        "SIMULATE_MAX_CASES cas (100 par défaut) ; 429 au-delà de SIMULATE_RATE_CASES cas "
        "(300 par défaut) par adresse et par SIMULATE_RATE_WINDOW secondes (60), avec l'en-tête "
        "Retry-After."
    ),
    openapi_extra={"requestBody": REQUEST_BODY},
)
def simulate(request: HttpRequest):
    limit = settings.SIMULATE_MAX_BODY_BYTES
    # Refused on the announced length, before a byte of the body is read.
    if _content_length(request) > limit:
        return _errors(413, [("(corps)", f"requête trop volumineuse : au plus {limit} octets ; "
                                         "envoyez les cas en plusieurs fois")])
    try:
        body = request.body.decode("utf-8")
    except RequestDataTooBig:
        return _errors(413, [("(corps)", f"requête trop volumineuse : au plus {limit} octets")])
    except UnicodeDecodeError:
        return _errors(400, [("(corps)", "le corps de la requête doit être du texte UTF-8")])
    try:
        payload = decode_payload(body)
    except InvalidInput as exc:
        return _errors(400, exc.errors)
    cases = len(payload) if isinstance(payload, list) else 1
    if cases > settings.SIMULATE_MAX_CASES:
        return _errors(413, [("(racine)", f"{cases} cas : au plus {settings.SIMULATE_MAX_CASES} par requête ; "
                                          "envoyez-les en plusieurs fois")])
    wait = throttle_charge(scope="simulate", client=client_ip(request), cost=max(cases, 1),
                           limit=settings.SIMULATE_RATE_CASES, window=settings.SIMULATE_RATE_WINDOW)
    if wait:
        response = _errors(429, [("(client)", f"trop de cas simulés : au plus {settings.SIMULATE_RATE_CASES} "
                                              f"par {settings.SIMULATE_RATE_WINDOW} secondes ; "
                                              f"réessayez dans {wait} secondes")])
        response["Retry-After"] = str(wait)
        return response
    try:
        return _json(200, simulate_payload(payload, today=timezone.localdate()))
    except InvalidInput as exc:
        return _errors(422, exc.errors)


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
