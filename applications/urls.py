from .views import staff, student

app_name = "applications"
urlpatterns = [*student.urlpatterns, *staff.urlpatterns]
