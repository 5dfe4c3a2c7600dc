from .views import aftercare, letters, sessions, staff, student

app_name = "applications"
urlpatterns = [
    *student.urlpatterns,
    *staff.urlpatterns,
    *sessions.urlpatterns,
    *letters.urlpatterns,
    *aftercare.urlpatterns,
]
