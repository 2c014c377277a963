from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file of its own (`?script`):
    # the page has no inline script, as the Content-Security-Policy requires.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("interaction.urls")),
    path("open311/v2/", include("interaction.open311.urls")),
    path("", include("frontend.urls")),
]

# Under /api/ even an unknown address or a crash answers in the API's JSON error shape.
handler404 = "backend.exceptions.not_found"
handler500 = "backend.exceptions.server_error"
