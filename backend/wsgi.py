"""WSGI entry point: production serves plain HTTP from WSGI workers (see README)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.production")

application = get_wsgi_application()

from backend.warmup import prepare_worker  # noqa: E402 (needs the settings configured above)

prepare_worker()
