"""Settings for the daphne processes the dialogue tests and bench start: test settings and one
channel prefix shared by the processes of one run (CHANNELS_PREFIX)."""

import os

from backend.settings.test import *  # noqa: F403
from backend.settings.test import CHANNEL_LAYERS, REDIS_URL

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
if REDIS_URL:
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = os.environ["CHANNELS_PREFIX"]
# The benchmark's official sends at a steady rate; the per-connection limits stay on.
WENZHENG_DIALOGUE_FRAMES_PER_SECOND = int(
    os.environ.get("WENZHENG_DIALOGUE_FRAMES_PER_SECOND", "5")
)
WENZHENG_DIALOGUE_FRAME_BURST = int(os.environ.get("WENZHENG_DIALOGUE_FRAME_BURST", "10"))
