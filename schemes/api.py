"""The JSON API (`/api/v1/`): POST /simulate, the simulation contract over HTTP.

The body is decoded and validated by the very code the `simulate` command uses (one object or an
array; money kept exact), so both interfaces answer the same JSON for the same input. Ninja is
not left to parse the body: its OpenAPI document describes it from the pydantic input models.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Schema
from pydantic.json_schema import models_json_schema

from .inputs import AudeIn, HauteGaronneIn, HorizonsIn, InvalidInput
from .simulation import decode_payload, dump_result, simulate_payload

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


api = PortalAPI(title="Portail des aides aux études", version="1", urls_namespace="api-v1")


def _json(status: int, value: Any) -> HttpResponse:
    return HttpResponse(dump_result(value), status=status, content_type=JSON)


def _errors(status: int, errors: list[tuple[str, str]]) -> HttpResponse:
    return _json(status, {"errors": [{"field": f, "message": m} for f, m in errors]})


@api.post(
    "/simulate",
    response={
        200: SimulationResultOut | list[SimulationResultOut],
        400: ErrorsOut,
        413: ErrorsOut,
        422: ErrorsOut,
    },
    summary="Simuler l'éligibilité et le montant d'une aide",
    description=(
        "Même contrat que `manage.py simulate` : 200 avec le résultat (objet, ou tableau "
        "dans l'ordre "
        "des cas) ; 400 si le corps n'est pas du JSON ; 422 si un champ est invalide."
    ),
    openapi_extra={"requestBody": REQUEST_BODY},
)
def simulate(request: HttpRequest):
    try:
        body = request.body.decode("utf-8")
    except RequestDataTooBig:
        return _errors(
            413, [("(corps)", "requête trop volumineuse ; envoyez les cas en plusieurs fois")]
        )
    except UnicodeDecodeError:
        return _errors(400, [("(corps)", "le corps de la requête doit être du texte UTF-8")])
    try:
        payload = decode_payload(body)
    except InvalidInput as exc:
        return _errors(400, exc.errors)
    try:
        return _json(200, simulate_payload(payload, today=timezone.localdate()))
    except InvalidInput as exc:
        return _errors(422, exc.errors)
