"""backend.urls plus the dialogue's addresses, until the lead adds the two include lines.

(Once `interaction/urls.py` and `frontend/urls.py` include them, the extra includes here are
harmless duplicates: the first match wins.)
"""

from django.urls import include, path


def _patterns() -> list:
    from django.contrib import admin
    from drf_spectacular.views import SpectacularAPIView

    from frontend import urls as fe
    from interaction import urls as api

    return [
        path("i18n/", include("django.conf.urls.i18n")),
        path("admin/", admin.site.urls),
        path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
        path(
            "api/",
            include(
                (
                    [*api.urlpatterns, path("", include("interaction.dialogue.urls"))],
                    "api",
                )
            ),
        ),
        path(
            "",
            include(
                (
                    [*fe.urlpatterns, path("dialogues/", include("frontend.urls_dialogue"))],
                    "frontend",
                )
            ),
        ),
    ]


urlpatterns = _patterns()
