from .views import controls, dashboards, recovery, runs

app_name = "payments"
urlpatterns = [*runs.urlpatterns, *recovery.urlpatterns, *dashboards.urlpatterns, *controls.urlpatterns]
