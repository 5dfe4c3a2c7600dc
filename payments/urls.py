from .views import balance, controls, dashboards, recovery, runs

app_name = "payments"
urlpatterns = [*runs.urlpatterns, *balance.urlpatterns, *recovery.urlpatterns, *dashboards.urlpatterns, *controls.urlpatterns]
