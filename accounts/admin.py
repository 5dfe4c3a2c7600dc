from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Establishment, EstablishmentMembership, OfficerMembership, User


class EstablishmentMembershipInline(admin.TabularInline):
    model = EstablishmentMembership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["establishment"]


class OfficerMembershipInline(admin.StackedInline):
    model = OfficerMembership
    extra = 0
    max_num = 1


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "email",
        "username",
        "first_name",
        "last_name",
        "is_staff",
        "is_active",
        "date_joined",
    ]
    list_filter = [*BaseUserAdmin.list_filter, "officer_membership__authority"]
    search_fields = ["email", "username", "first_name", "last_name"]
    ordering = ["email"]
    date_hierarchy = "date_joined"
    inlines = [OfficerMembershipInline, EstablishmentMembershipInline]
    # Accounts sign in with their e-mail: ask for it when the team creates one.
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "username", "usable_password", "password1", "password2"),
            },
        ),
    )


class StaffInline(admin.TabularInline):
    model = EstablishmentMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Establishment)
class EstablishmentAdmin(admin.ModelAdmin):
    list_display = ["name", "uai", "city", "in_region", "contact_email"]
    list_filter = ["in_region"]
    search_fields = ["name", "uai", "city"]
    inlines = [StaffInline]


@admin.register(EstablishmentMembership)
class EstablishmentMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "establishment"]
    list_filter = ["establishment"]
    search_fields = ["user__email", "user__last_name", "establishment__name", "establishment__uai"]
    list_select_related = ["user", "establishment"]
    autocomplete_fields = ["user", "establishment"]


@admin.register(OfficerMembership)
class OfficerMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "authority"]
    list_filter = ["authority"]
    search_fields = ["user__email", "user__last_name", "authority__name"]
    list_select_related = ["user", "authority"]
    autocomplete_fields = ["user"]
