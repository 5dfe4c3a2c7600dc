from .views import aftercare, letters, sessions, staff, student, student_draft, verify

app_name = "applications"
urlpatterns = [
    *student_draft.urlpatterns,
    *student.urlpatterns,
    *staff.urlpatterns,
    *sessions.urlpatterns,
    *letters.urlpatterns,
    *aftercare.urlpatterns,
    *verify.urlpatterns,
]
