"""The Django admin of applications: a read-mostly view for support staff.

The state changes only through the workflow's transitions (applications.services), so it is
read-only here; the history (Event) is append-only and cannot be added, changed or deleted.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Application,
    Document,
    DocumentRequest,
    Event,
    Message,
    Note,
    Opinion,
    OutboxMessage,
)
from .queues import EVENT_LABELS


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DocumentInline(ReadOnlyInline):
    model = Document
    fields = [
        "kind",
        "original_name",
        "explanation",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
        "superseded",
    ]
    readonly_fields = fields


class OpinionInline(ReadOnlyInline):
    model = Opinion
    fields = ["favourable", "comment", "given_by", "given_at"]
    readonly_fields = fields


class DocumentRequestInline(ReadOnlyInline):
    model = DocumentRequest
    fields = [
        "items",
        "message",
        "requested_by",
        "requested_on",
        "due_on",
        "extended_to",
        "answered_at",
        "expired_at",
    ]
    readonly_fields = fields


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ["author", "body", "attachment_name", "created_at"]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = Event
    fields = ["seq", "created_at", "kind", "actor_label", "from_state", "to_state", "reason"]
    readonly_fields = fields
    show_change_link = False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "scheme",
        "applicant",
        "student",
        "establishment",
        "aid",
        "state",
        "academic_year",
        "estimate_eligible",
        "estimate_amount",
        "submitted_at",
    ]
    list_filter = ["scheme", "state", "academic_year", "estimate_eligible", "establishment"]
    search_fields = ["reference", "first_name", "last_name", "student__email", "student__last_name"]
    list_select_related = ["scheme", "student", "establishment"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["student", "establishment"]
    readonly_fields = [
        "state",
        "reference",
        "submitted_at",
        "academic_year",
        "estimate_eligible",
        "estimate_amount",
        "events_head",
        "events_count",
        "created_at",
        "updated_at",
    ]
    inlines = [OpinionInline, DocumentRequestInline, DocumentInline, MessageInline, EventInline]

    @admin.display(description=_("demandeur"), ordering="last_name")
    def applicant(self, obj: Application) -> str:
        return obj.applicant_name

    def has_add_permission(self, request):
        # A file is created by its student through the workflow (event "created"), not here.
        return False

    def has_delete_permission(self, request, obj=None):
        # A file has an append-only history (Event, on_delete=PROTECT): it is withdrawn or
        # closed through the workflow, never deleted.
        return False


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = [
        "application",
        "kind",
        "original_name",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
        "superseded",
    ]
    list_filter = ["kind", "content_type", "superseded"]
    search_fields = ["application__reference", "original_name", "sha256"]
    list_select_related = ["application", "uploaded_by"]
    raw_id_fields = ["application", "uploaded_by", "request"]
    date_hierarchy = "uploaded_at"
    readonly_fields = ["sha256", "size", "content_type", "original_name", "uploaded_at"]


@admin.register(DocumentRequest)
class DocumentRequestAdmin(admin.ModelAdmin):
    list_display = [
        "application",
        "requested_on",
        "due_on",
        "extended_to",
        "answered_at",
        "expired_at",
        "requested_by",
    ]
    list_filter = ["requested_on", "due_on"]
    search_fields = ["application__reference", "message"]
    list_select_related = ["application", "requested_by"]
    raw_id_fields = ["application", "requested_by"]
    date_hierarchy = "requested_on"


@admin.register(Opinion)
class OpinionAdmin(admin.ModelAdmin):
    list_display = ["application", "favourable", "given_by", "given_at"]
    list_filter = ["favourable"]
    search_fields = ["application__reference", "comment"]
    list_select_related = ["application", "given_by"]
    raw_id_fields = ["application", "given_by"]
    date_hierarchy = "given_at"


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["application", "author", "created_at", "attachment_name"]
    search_fields = ["application__reference", "body"]
    list_select_related = ["application", "author"]
    raw_id_fields = ["application", "author"]
    date_hierarchy = "created_at"


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["application", "author", "created_at"]
    search_fields = ["application__reference", "body"]
    list_select_related = ["application", "author"]
    raw_id_fields = ["application", "author"]
    date_hierarchy = "created_at"


class EventKindFilter(admin.SimpleListFilter):
    """The kinds of event met in the history, under the timeline's labels."""

    title = _("nature")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        kinds = Event.objects.order_by("kind").values_list("kind", flat=True).distinct()
        return [(kind, EVENT_LABELS.get(kind, kind)) for kind in kinds]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = [
        "application",
        "seq",
        "created_at",
        "kind_label",
        "actor_label",
        "from_state",
        "to_state",
    ]
    list_filter = [EventKindFilter, "to_state"]
    search_fields = ["application__reference", "actor_label", "reason"]
    list_select_related = ["application"]
    date_hierarchy = "created_at"

    @admin.display(description=_("nature"), ordering="kind")
    def kind_label(self, obj: Event) -> str:
        return EVENT_LABELS.get(obj.kind, obj.kind)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of decisions and money: written by the services (with their events and locks),
    looked at in the admin, never edited there."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeliveredFilter(admin.SimpleListFilter):
    """Work still waiting, or done: said in words, where the empty-field filter on the delivery
    date read "Par exécutée le : vide / non vide"."""

    title = _("exécution")
    parameter_name = "delivered"

    def lookups(self, request, model_admin):
        return [("no", _("en attente")), ("yes", _("exécutée"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(delivered_at__isnull=self.value() == "no")
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """What background work waits, and why (last_error): for support, read-only. Rows are written
    by the services and delivered by the outbox (applications.services.outbox)."""

    list_display = ["task", "key", "created_at", "attempts", "available_at", "delivered_at"]
    list_filter = [DeliveredFilter, "task"]
    search_fields = ["key"]
    readonly_fields = ["task", "args", "key", "created_at", "available_at", "attempts", "delivered_at", "last_error"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
