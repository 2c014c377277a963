"""The one door between the mailbox and the `classifier` package (which knows nothing of Django).

The model is loaded lazily on first use and reloaded when a newer one is promoted. A missing or
broken model never breaks intake: `predict` returns None, logs, and alerts the admins once.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_holder: Any = None
_alerted: set[str] = set()


def _get_holder() -> Any:
    global _holder
    if _holder is None:
        with _lock:
            if _holder is None:
                from classifier.store import ModelHolder
                from classifier.tokenizer import configure

                configure(list(settings.CLASSIFIER_USER_DICTS))
                _holder = ModelHolder(settings.CLASSIFIER_MODEL_DIR)
    return _holder


def message_text(subject: str, body: str) -> str:
    """The one string the classifier sees for a message (subject weighted apart from body)."""
    from classifier.features import compose_text

    return compose_text(subject, body)


def predict(subject: str, body: str) -> Any | None:
    """A Prediction (label, confidence, top_k, model_version), or None if no model works."""
    try:
        predictor = _get_holder().get()
        return predictor.predict(message_text(subject, body))
    except Exception as exc:  # missing or broken model: the dispatcher's queue takes over
        _alert_admins(exc)
        return None


def model_threshold() -> float:
    """The auto-dispatch threshold chosen when the current model was trained."""
    return float(_get_holder().get().threshold)


def reset() -> None:
    """Forget the loaded model (tests, after training in the same process)."""
    global _holder
    with _lock:
        _holder = None
        _alerted.clear()


def _alert_admins(exc: Exception) -> None:
    key = type(exc).__name__
    if key in _alerted:
        return
    _alerted.add(key)
    logger.error("classifier unavailable, every message goes to the dispatcher: %s", exc)
    try:
        from backend.accounts.models import Role

        from .services.notifications import notify, render, role_user_ids

        notify(
            user_ids=role_user_ids(Role.ADMIN),
            case=None,
            verb="classifier_down",
            text=render(
                _(
                    "The classifier is unavailable (%(error)s): every new message waits for a "
                    "dispatcher until a model is trained and promoted."
                ),
                error=f"{type(exc).__name__}: {exc}",
            ),
        )
    except Exception:
        logger.exception("could not alert the admins")
