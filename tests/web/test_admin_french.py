"""The admin speaks French: every model and field has a French name, every changelist and change
page of the workflow's apps shows French column headers, filter titles and labels, and objects
are named so that an officer recognises them (no "Object (3)", no "12#3 submit")."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.forms.utils import pretty_name
from django.urls import reverse
from django.utils import timezone
from django.utils.text import camel_case_to_spaces

from accounts.models import EstablishmentMembership, OfficerMembership
from applications.models import (
    Application,
    DocumentRequest,
    Event,
    Message,
    Note,
    OutboxMessage,
)
from decisions.models import Appeal, ChangeReport, Letter
from payments import services as pay
from payments.models import (
    BalanceRequest,
    Control,
    FollowUp,
    Instalment,
    LedgerEntry,
    PaymentRun,
    RepaymentOrder,
)
from schemes.models import OdaCountry, PartnerRegion, PegasusInstitution, ReferenceVersion, ZoningEntry
from tests.flows import admin_sign_in, decided_file, officer

# The apps whose admin officers and support staff read; schemes is checked as well, so that a new
# reference table cannot come back in English.
APPS = ["accounts", "applications", "decisions", "payments", "aid_portal", "schemes"]

# What the issue saw, and what Django shows for a model or field left without a French name.
ENGLISH = {"created at", "updated at", "by scheme", "par scheme", "scheme", "applicant name", "object", "kind", "status"}


def app_models() -> list[type[models.Model]]:
    return [m for label in APPS for m in apps.get_app_config(label).get_models()]


def registered() -> list[tuple[type[models.Model], admin.ModelAdmin]]:
    return sorted(
        ((m, ma) for m, ma in admin.site._registry.items() if m._meta.app_label in APPS),
        key=lambda pair: pair[0]._meta.label,
    )


# --- Every model and field named explicitly ----------------------------------------------------
def test_every_model_and_field_has_an_explicit_verbose_name():
    missing = []
    for model in app_models():
        declared = model._meta.original_attrs  # what Meta says, not Django's English defaults
        missing += [f"{model._meta.label}.Meta.{k}" for k in ("verbose_name", "verbose_name_plural") if k not in declared]
        for field in model._meta.concrete_fields:
            # The automatic primary key is "ID" in every language.
            if field.auto_created:
                continue
            # deconstruct() keeps verbose_name only when it was given, whatever the field's type.
            if "verbose_name" not in field.deconstruct()[3]:
                missing.append(f"{model._meta.label}.{field.name}")
    assert missing == []


def test_every_admin_column_and_filter_has_a_french_title():
    """No column or filter of the registered admins falls back on an attribute's English name:
    a column is a field named in French, the model itself ("__str__"), or a method or property
    described with @admin.display(description=...)."""
    english = []
    for model, model_admin in registered():
        for name in model_admin.list_display:
            if name == "__str__" or callable(name):
                continue
            field = _field(model, name)
            if field is not None:
                named = "verbose_name" in field.deconstruct()[3]
            else:
                attribute = getattr(model_admin, name, None) or getattr(model, name, None)
                attribute = attribute.fget if isinstance(attribute, property) else attribute
                named = hasattr(attribute, "short_description")
            if not named:
                english.append(f"{model._meta.label}: column {name} ({label_for_field(name, model, model_admin)})")
        for spec in model_admin.list_filter:
            path = spec[0] if isinstance(spec, tuple) else spec
            if isinstance(path, str) and "verbose_name" not in _last_field(model, path).deconstruct()[3]:
                english.append(f"{model._meta.label}: filter {path}")
    assert english == []


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _last_field(model, path: str):
    field = None
    for part in path.split("__"):
        field = model._meta.get_field(part)
        model = field.related_model
    return field


# --- The pages, as a superuser reads them -------------------------------------------------------
@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.org", "pw-Admin-2025")
    admin_sign_in(client, user)
    return client


@pytest.fixture
def one_of_each():
    """One row of every registered model: a Horizons file taken through the services to its
    decision, its advance paid in a confirmed run, and the later records (appeal, change,
    recovery, control, balance, follow-up) written as rows."""
    agent = officer("horizons")
    app = decided_file("horizons", agent)
    decision = app.current_decision
    today = timezone.localdate()
    advance = app.instalments.get(kind=Instalment.Kind.ADVANCE)
    Instalment.objects.filter(pk=advance.pk).update(due_on=today)
    run = pay.payment_run_create(authority=app.scheme.authority, instalment_ids=[advance.pk], by=agent,
                                 execution_date=today, today=today)
    pay.payment_run_confirm(run=run, by=agent, today=today)
    DocumentRequest.objects.create(application=app, items=["bank_details"], message="RIB illisible", requested_by=agent,
                                   requested_on=date(2025, 6, 10), due_on=date(2025, 8, 10))
    # Letters are issued after commit, which a test's transaction never reaches: one written as a row.
    Letter.objects.create(application=app, decision=decision, kind="award", template="letters/award.html", context={})
    Message.objects.create(application=app, author=app.student, body="Bonjour")
    Note.objects.create(application=app, author=agent, body="Dossier complet")
    Appeal.objects.create(application=app, decision=decision, grounds="Durée mal comptée", filed_by=app.student,
                          filed_on=date(2025, 8, 1))
    ChangeReport.objects.create(application=app, decision=decision, kind="dates", description="Retour anticipé",
                                reported_by=app.student, reported_on=date(2025, 10, 1))
    order = RepaymentOrder.objects.create(application=app, reason="settlement", amount=Decimal("70.00"),
                                          created_on=date(2026, 1, 5), created_by=agent)
    Control.objects.create(application=app, reason="Contrôle sur pièces", requested_items="Attestation de séjour",
                           documents_due=date(2026, 3, 1), opened_on=date(2026, 2, 1), opened_by=agent, order=order)
    BalanceRequest.objects.create(application=app, actual_end_date=date(2025, 12, 19), requested_on=date(2026, 1, 2),
                                  requested_by=app.student)
    FollowUp.objects.create(application=app, installed_in_department=True, commune="Carcassonne", recorded_by=agent)
    OutboxMessage.objects.get_or_create(key="test:admin", defaults={"task": "applications.tasks.noop"})
    ZoningEntry.objects.create(commune_insee="31069", commune_name="Blagnac", category="zip", valid_from=date(2023, 1, 1))
    PartnerRegion.objects.create(name="Catalogne", country="ES", subdivision="ES-CT", valid_from=date(2015, 9, 1))
    OdaCountry.objects.create(country="SN", name="Sénégal", valid_from=date(2024, 1, 1))
    PegasusInstitution.objects.create(name="ISAE-SUPAERO", country="FR", city="Toulouse")
    ReferenceVersion.objects.bump()
    return app


def visible_titles(html: str) -> list[str]:
    """Column headers, filter titles and field labels, as a reader sees them."""
    found = re.findall(r'<th[^>]*class="[^"]*column-[^"]*"[^>]*>(.*?)</th>', html, re.S)
    found += re.findall(r'data-filter-title="([^"]*)"', html)
    found += re.findall(r"<summary>\s*(.*?)\s*</summary>", html, re.S)
    found += re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)
    texts = [unescape(re.sub(r"<[^>]+>", " ", t)) for t in found]
    return [" ".join(t.split()).rstrip(" :").strip() for t in texts if t.strip()]


def english_names(model, model_admin) -> set[str]:
    """What Django would show for this model's columns and fields without a French name."""
    names = {camel_case_to_spaces(model.__name__), model.__name__.lower()}
    attributes = [f.name for f in model._meta.concrete_fields] + [n for n in model_admin.list_display if isinstance(n, str)]
    # Names given in French that English happens to share ("article", "message", "note"); only
    # explicit ones: Django's default verbose_name is the English attribute name itself.
    french = {str(f.verbose_name).lower() for f in model._meta.concrete_fields if "verbose_name" in f.deconstruct()[3]}
    # Columns the admin describes itself (@admin.display), in words that French shares with English.
    french |= {str(getattr(getattr(model_admin, n, None), "short_description", "")).lower() for n in attributes}
    names |= {pretty_name(n).lower() for n in attributes if n != "__str__"}
    names |= {f"par {n}" for n in list(names)} | {f"by {n}" for n in list(names)}
    return (names | ENGLISH) - french - {f"par {n}" for n in french}


@pytest.mark.django_db
def test_every_changelist_and_change_page_opens_in_french(admin_client, one_of_each):
    pages, problems = 0, []
    for model, model_admin in registered():
        opts = model._meta
        english = english_names(model, model_admin)
        changelist = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert changelist.status_code == 200, opts.label
        obj = model._default_manager.order_by("pk").last()
        assert obj is not None, f"no {opts.label} to open"
        change = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        assert change.status_code == 200, opts.label
        for page, response in (("changelist", changelist), ("change", change)):
            html = response.content.decode()
            leaks = [t for t in visible_titles(html) if t.lower() in english]
            leaks += [w for w in ("Par scheme", "Created at", "Django", f"{opts.object_name} object") if w in html]
            if leaks:
                problems.append((opts.label, page, leaks))
        pages += 2
    assert problems == []
    assert pages >= 2 * 30


@pytest.mark.django_db
def test_filters_read_par_dispositif(admin_client, one_of_each):
    html = admin_client.get(reverse("admin:applications_application_changelist")).content.decode()
    assert "Par dispositif" in html and "Par état" in html and "Par établissement" in html
    assert ">Demandeur<" in html  # the admin's own column
    html = admin_client.get(reverse("admin:payments_instalment_changelist")).content.decode()
    assert "Par dispositif" in html and "Par statut" in html and "Par nature" in html
    html = admin_client.get(reverse("admin:applications_event_changelist")).content.decode()
    assert "Déposer la demande" in html  # the event's kind under the timeline's label, not "submit"
    assert "Par état d&#x27;arrivée" in html or "Par état d'arrivée" in html
    url = reverse("admin:applications_outboxmessage_changelist")
    waiting = admin_client.get(url, {"delivered": "no"})
    assert "Par exécution" in waiting.content.decode()
    assert "test:admin" in [m.key for m in waiting.context["cl"].result_list]
    assert "test:admin" not in [m.key for m in admin_client.get(url, {"delivered": "yes"}).context["cl"].result_list]


# --- Objects named for people ---------------------------------------------------------------------
@pytest.mark.django_db
def test_objects_are_named_in_french(one_of_each):
    app = one_of_each
    ref = app.reference
    event = Event.objects.filter(application=app, kind="submit").get()
    assert str(event) == f"{ref} · événement n° {event.seq} : Déposer la demande"
    run = PaymentRun.objects.get()
    assert str(run) == f"Lot de paiement {run.reference}"
    payment = LedgerEntry.objects.get(application=app)
    assert str(payment) == f"Paiement 672,00\u00a0€ · {ref}"
    assert str(RepaymentOrder.objects.get()) == f"Ordre de reversement de 70,00\u00a0€ · {ref}"
    assert str(app.account) == f"Compte du dossier {ref}"
    assert str(app.current_decision) == f"{ref} : Attribution 1\u202f120,00\u00a0€"
    staff = EstablishmentMembership.objects.get()
    assert str(staff) == f"{staff.user}, personnel de Université Toulouse Capitole"
    agent = OfficerMembership.objects.get(user__email__startswith="agent-horizons")
    assert str(agent) == f"{agent.user}, agent instructeur de {app.scheme.authority.name}"
    draft = Application.objects.create(scheme=app.scheme, student=app.student)
    assert str(draft) == f"brouillon n° {draft.pk}"
    assert str(OutboxMessage.objects.get(key="test:admin")) == "Tâche test:admin (en attente)"
    assert "object" not in " ".join(str(o) for o in (event, run, payment, staff, agent)).lower()


def test_the_admin_index_names_each_section_once(client):
    """Our accounts app and allauth's both said "Comptes": two sections of the same name."""
    from django.apps import apps

    names = [str(config.verbose_name) for config in apps.get_app_configs()
             if any(True for _ in config.get_models())]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
