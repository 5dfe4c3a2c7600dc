"""Views of the money side, one module per audience; each exposes `urlpatterns`."""
