"""The API's documentation page (`/api/v1/docs`): the OpenAPI document read as a page of the
portal, in plain HTML (headings, tables, links between schemas), rather than Swagger UI.

Why not Swagger UI: it is built in the browser by a script, in English, without `lang`, with
method badges and links below the contrast ratios of WCAG 2.1 AA and links nested in buttons; a
page of our own is read by any screen reader, passes the same accessibility audit as every other
page, needs no script and nothing from a CDN. The machine-readable document stays at
`openapi.json`, linked from the page, for the tools that want it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.shortcuts import render
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from ninja.openapi.docs import DocsBase

REF_PREFIX = "#/components/schemas/"
METHODS = ("get", "post", "put", "patch", "delete")


def _status_meanings() -> dict[str, str]:
    # The document holds the English reason phrases (ninja writes them); the page speaks French.
    return {"200": _("Succès"), "400": _("Corps illisible (pas du JSON ou pas de l'UTF-8)"),
            "413": _("Requête trop volumineuse"), "422": _("Champ invalide"), "429": _("Trop de requêtes")}


@dataclass(frozen=True)
class FieldDoc:
    name: str
    type: SafeString
    required: bool
    notes: list[str]


@dataclass(frozen=True)
class SchemaDoc:
    name: str
    description: str
    fields: list[FieldDoc]
    variants: SafeString | None  # a oneOf/anyOf schema: its variants, linked


@dataclass(frozen=True)
class ResponseDoc:
    status: str
    description: str
    type: SafeString | None


@dataclass(frozen=True)
class OperationDoc:
    method: str
    path: str
    anchor: str
    summary: str
    description: str
    body_description: str
    body_type: SafeString | None
    responses: list[ResponseDoc]


def schema_anchor(name: str) -> str:
    return f"schema-{name}"


def type_html(schema: dict[str, Any]) -> SafeString:
    """A schema's type in French words, each referenced schema a link to its section."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(REF_PREFIX)
        return format_html('<a href="#{}">{}</a>', schema_anchor(name), name)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return format_html_join(format_html(" {} ", _("ou")), "{}", ((type_html(s),) for s in schema[key]))
    if "const" in schema:
        return format_html("{} <code>{}</code>", _("valeur fixe"), schema["const"])
    if "enum" in schema:
        values = format_html_join(", ", "<code>{}</code>", ((v,) for v in schema["enum"]))
        return format_html("{} {}", _("l'une des valeurs"), values)
    kind = schema.get("type")
    if kind == "array":
        return format_html("{} {}", _("tableau, chaque élément :"), type_html(schema.get("items", {})))
    words = {"string": _("chaîne"), "integer": _("entier"), "number": _("nombre"), "boolean": _("booléen"),
             "null": _("null"), "object": _("objet")}
    text = words.get(kind, kind or _("toute valeur"))
    if schema.get("format") == "date":
        text = _("date (AAAA-MM-JJ)")
    return format_html("{}", text)


def _notes(schema: dict[str, Any]) -> list[str]:
    """Constraints and defaults of a field, as short French phrases (nested in anyOf too)."""
    notes = [schema["description"]] if schema.get("description") else []
    for variant in [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]:
        if "pattern" in variant and variant.get("format") != "date":
            notes.append(_("motif %(p)s") % {"p": variant["pattern"]})
        if "minimum" in variant or "maximum" in variant:
            notes.append(_("de %(min)s à %(max)s") % {"min": variant.get("minimum", "…"),
                                                     "max": variant.get("maximum", "…")})
        if "minLength" in variant or "maxLength" in variant:
            notes.append(_("%(min)s à %(max)s caractères") % {"min": variant.get("minLength", 0),
                                                              "max": variant.get("maxLength", "…")})
        if "maxItems" in variant:
            notes.append(_("au plus %(n)s éléments") % {"n": variant["maxItems"]})
    if "default" in schema:
        notes.append(_("par défaut : %(v)s") % {"v": _json_text(schema["default"])})
    if schema.get("examples"):
        notes.append(_("exemple : %(v)s") % {"v": _json_text(schema["examples"][0])})
    return notes


def _json_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return ", ".join(f"{k} = {_json_text(v)}" for k, v in value.items())
    return str(value)


def schema_doc(name: str, schema: dict[str, Any]) -> SchemaDoc:
    required = set(schema.get("required", []))
    fields = [FieldDoc(field, type_html(spec), field in required, _notes(spec))
              for field, spec in schema.get("properties", {}).items()]
    variants = type_html(schema) if ("oneOf" in schema or "anyOf" in schema) and not fields else None
    description = schema.get("description", "")
    if schema.get("discriminator"):
        description += " " + _("Le champ %(f)s choisit la variante.") % {"f": schema["discriminator"]["propertyName"]}
    return SchemaDoc(name, description.strip(), fields, variants)


def operation_docs(document: dict[str, Any]) -> list[OperationDoc]:
    operations = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            body = op.get("requestBody") or {}
            body_schema = body.get("content", {}).get("application/json", {}).get("schema")
            meanings = _status_meanings()
            responses = [
                ResponseDoc(str(status), meanings.get(str(status), answer.get("description", "")),
                            type_html(answer["content"]["application/json"]["schema"])
                            if "application/json" in answer.get("content", {}) else None)
                for status, answer in op.get("responses", {}).items()
            ]
            operations.append(OperationDoc(
                method.upper(), path, op.get("operationId") or f"{method}-{path}", op.get("summary", ""),
                op.get("description", ""), body.get("description", ""),
                type_html(body_schema) if body_schema else None, responses))
    return operations


def api_docs_context(document: dict[str, Any], *, openapi_url: str) -> dict[str, Any]:
    schemas = document.get("components", {}).get("schemas", {})
    return {
        "info": document.get("info", {}),
        "openapi_version": document.get("openapi", ""),
        "openapi_url": openapi_url,
        "operations": operation_docs(document),
        "schemas": [schema_doc(name, schemas[name]) for name in sorted(schemas)],
    }


class PortalDocs(DocsBase):
    """ninja's docs page replaced by ours (NinjaAPI(docs=PortalDocs()))."""

    template = "schemes/api_docs.html"

    def render_page(self, request, api, **kwargs):
        document = api.get_openapi_schema(path_params=kwargs)
        return render(request, self.template,
                      api_docs_context(document, openapi_url=self.get_openapi_url(api, kwargs)))
