from .views import dashboards, recovery, runs

app_name = "payments"
urlpatterns = [*runs.urlpatterns, *recovery.urlpatterns, *dashboards.urlpatterns]
