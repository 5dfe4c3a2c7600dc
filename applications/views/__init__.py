"""Views of the application workflow, one module per audience (student, staff: establishment
and officers). Each module exposes its own `urlpatterns`, gathered in applications/urls.py."""
