from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "schemes"

urlpatterns = [
    path("", views.home, name="home"),
    path(_("simulateur/"), views.simulator, name="simulator"),
    path("regles/<slug:code>/", views.rules, name="rules"),
]
