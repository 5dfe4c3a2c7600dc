from .views import aftercare, letters, sessions

app_name = "decisions"
urlpatterns = [
    *sessions.urlpatterns,
    *letters.urlpatterns,
    *aftercare.urlpatterns,
]
