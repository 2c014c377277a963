"""backend.asgi plus static files (for browser tests against a bare daphne process)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.interaction.dialogue.server_settings")

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from backend.asgi import application as site  # noqa: E402
from backend.asgi import django_asgi_app  # noqa: E402

application = ProtocolTypeRouter(
    {"http": ASGIStaticFilesHandler(django_asgi_app), "websocket": site}
)
