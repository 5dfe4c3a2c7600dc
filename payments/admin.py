"""The money side in the Django admin: to look, never to edit (services write, with the ledger,
the account's constraints and the events)."""

from django.contrib import admin

from applications.admin import ReadOnlyAdmin

from .models import Account, BalanceRequest, Control, FollowUp, Instalment, LedgerEntry, PaymentRun, RepaymentOrder

FILE_SEARCH = ["application__reference", "application__last_name"]


@admin.register(Instalment)
class InstalmentAdmin(ReadOnlyAdmin):
    list_display = ["application", "label", "amount", "state_share", "due_on", "latest_on", "status", "run", "paid_on"]
    list_filter = ["kind", "status", "application__scheme"]
    search_fields = FILE_SEARCH
    date_hierarchy = "due_on"
    list_select_related = ["application", "run"]


@admin.register(PaymentRun)
class PaymentRunAdmin(ReadOnlyAdmin):
    list_display = ["reference", "authority", "execution_date", "count", "total", "status", "confirmed_on"]
    list_filter = ["authority", "status"]
    search_fields = ["reference"]
    exclude = ["sepa_xml"]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["application", "ceiling", "paid", "repaid", "waived"]
    search_fields = FILE_SEARCH
    list_select_related = ["application"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["application", "kind", "amount", "state_share", "booked_on", "recorded_by", "note"]
    list_filter = ["kind", "application__scheme"]
    search_fields = FILE_SEARCH
    date_hierarchy = "booked_on"
    list_select_related = ["application", "recorded_by"]


@admin.register(RepaymentOrder)
class RepaymentOrderAdmin(ReadOnlyAdmin):
    list_display = ["application", "reason", "amount", "status", "created_on", "notice_received_on", "response_due"]
    list_filter = ["reason", "status", "application__scheme"]
    search_fields = FILE_SEARCH
    list_select_related = ["application"]


@admin.register(BalanceRequest)
class BalanceRequestAdmin(ReadOnlyAdmin):
    list_display = ["application", "actual_end_date", "requested_on", "final_amount", "balance", "repayment"]
    search_fields = FILE_SEARCH
    list_select_related = ["application"]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ["application", "installed_in_department", "installed_on", "commune", "recorded_by"]
    list_filter = ["installed_in_department"]
    search_fields = FILE_SEARCH + ["commune"]


@admin.register(Control)
class ControlAdmin(ReadOnlyAdmin):
    list_display = ["application", "status", "opened_on", "documents_due", "closed_on", "order"]
    list_filter = ["status", "application__scheme"]
    search_fields = FILE_SEARCH
    list_select_related = ["application", "order"]
