"""Settings for the daphne processes the dialogue tests start (test settings + the test urlconf)."""

from backend.settings.test import *  # noqa: F403

ROOT_URLCONF = "tests.interaction.dialogue.urlconf"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
