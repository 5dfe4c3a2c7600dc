from .views import aftercare, letters, sessions, verify

app_name = "decisions"
urlpatterns = [
    *sessions.urlpatterns,
    *letters.urlpatterns,
    *aftercare.urlpatterns,
    *verify.urlpatterns,
]
