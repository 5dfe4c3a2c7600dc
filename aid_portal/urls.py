from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from schemes.api import api

# A database outage met anywhere in a request answers 503 (aid_portal.middleware).
handler500 = "aid_portal.middleware.server_error"

# Uploaded files are never served as static media: every download goes through a view that
# checks who is asking, so MEDIA_URL has no route here on purpose.
urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("comptes/", include("allauth.urls")),
    path("", include("applications.urls")),
    path("", include("decisions.urls")),
    path("", include("payments.urls")),
    path("", include("schemes.urls")),
    prefix_default_language=False,
)
