"""The information notice on personal data (GDPR Art. 13): public, linked from every form that
collects personal data (sign-up and sign-in, the application's steps, the simulator)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.shortcuts import render
from django.urls import path

from schemes.models import Scheme


def privacy_notice(request):
    schemes = Scheme.objects.select_related("authority").order_by("code")
    return render(request, "applications/privacy.html", {
        "schemes": schemes,
        "never_paid_months": settings.RETENTION_NEVER_PAID_MONTHS,
        "never_paid_from": date.fromisoformat(settings.RETENTION_NEVER_PAID_FROM),
    })


urlpatterns = [path("donnees-personnelles/", privacy_notice, name="privacy")]
