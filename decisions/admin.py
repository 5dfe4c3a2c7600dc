"""The Django admin of decisions: looked at, never edited (the services write them, with their
events and locks)."""

from django.contrib import admin

from applications.admin import ReadOnlyAdmin

from .models import Appeal, ChangeReport, CommissionSession, Decision, Letter, SessionEntry


@admin.register(CommissionSession)
class CommissionSessionAdmin(ReadOnlyAdmin):
    list_display = ["title", "scheme", "meeting_date", "status", "act_number", "act_date", "progress_done", "progress_total"]
    list_filter = ["scheme", "status"]
    search_fields = ["title", "act_number"]
    date_hierarchy = "meeting_date"


@admin.register(SessionEntry)
class SessionEntryAdmin(ReadOnlyAdmin):
    list_display = ["session", "application", "proposed_amount", "outcome", "amount", "over_quota_confirmed", "decided"]
    list_filter = ["outcome", "decided", "over_quota_confirmed", "session__scheme"]
    search_fields = ["application__reference", "application__last_name"]
    list_select_related = ["session", "application"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["application", "kind", "outcome", "amount", "decided_on", "act_number", "notified_on"]
    list_filter = ["kind", "outcome", "application__scheme"]
    search_fields = ["application__reference", "application__last_name", "act_number"]
    date_hierarchy = "decided_on"
    list_select_related = ["application"]


@admin.register(Letter)
class LetterAdmin(ReadOnlyAdmin):
    list_display = ["application", "kind", "created_at", "sent_at", "requires_acceptance", "accepted_at"]
    list_filter = ["kind", "requires_acceptance", "application__scheme"]
    search_fields = ["application__reference", "application__last_name"]
    exclude = ["context"]
    list_select_related = ["application"]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["application", "filed_on", "status", "reviewed_at"]
    list_filter = ["status", "application__scheme"]
    search_fields = ["application__reference", "application__last_name"]
    list_select_related = ["application"]


@admin.register(ChangeReport)
class ChangeReportAdmin(ReadOnlyAdmin):
    list_display = ["application", "kind", "reported_on", "status", "reviewed_at"]
    list_filter = ["kind", "status", "application__scheme"]
    search_fields = ["application__reference", "application__last_name"]
    list_select_related = ["application"]
