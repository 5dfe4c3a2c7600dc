from .views import privacy, staff, student, student_draft

app_name = "applications"
urlpatterns = [
    *student_draft.urlpatterns,
    *student.urlpatterns,
    *staff.urlpatterns,
    *privacy.urlpatterns,
]
