from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from schemes.api import api

from . import views

# Uploaded files are never served as static media: every download goes through a view that
# checks who is asking, so MEDIA_URL has no route here on purpose.
# The admin is named after the portal, not "Django administration".
_portal_name = lazy(lambda: settings.PORTAL_NAME, str)()
admin.site.site_header = _portal_name
admin.site.site_title = _portal_name
admin.site.index_title = _("Administration du portail")

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("comptes/", include("allauth.urls")),
    path("", include((views.urlpatterns, "portal"))),
    path("", include("applications.urls")),
    path("", include("decisions.urls")),
    path("", include("payments.urls")),
    path("", include("schemes.urls")),
    prefix_default_language=False,
)

handler400 = "aid_portal.views.bad_request"
handler403 = "aid_portal.views.permission_denied"
handler404 = "aid_portal.views.page_not_found"
handler500 = "aid_portal.views.server_error"
# allauth answers its rate limits (sign-in attempts) with ROOT_URLCONF.handler429 when set.
handler429 = "aid_portal.views.too_many_requests"

# The benchmark's ceiling (bench/web.py sets BENCH_BARE_VIEW=1); never routed otherwise.
if settings.BENCH_BARE_VIEW:
    from aid_portal.bench import bare

    urlpatterns.append(path("bench/bare/", bare))
