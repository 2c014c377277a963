"""A server process's preparation (backend/warmup.py): the views and common templates loaded,
and what is loaded hidden from the garbage collector."""

from __future__ import annotations

import gc
import sys

from backend.warmup import prepare_worker


def test_prepare_worker_loads_the_views_and_freezes_what_is_loaded():
    gc.unfreeze()
    try:
        prepare_worker()
        assert "frontend.views.public" in sys.modules
        assert any(name.startswith("interaction.apis.") for name in sys.modules)
        frozen = gc.get_freeze_count()
        assert frozen > 10_000
        # What is frozen is no longer walked by a collection.
        assert len(gc.get_objects()) < frozen
    finally:
        gc.unfreeze()
