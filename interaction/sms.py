"""The SMS gateway interface. The default backend writes the message to the log."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("wenzheng.sms")


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LogSmsBackend:
    def send(self, phone: str, text: str) -> None:
        masked = phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"
        logger.info("SMS to %s: %s", masked, text)


class MemorySmsBackend:
    """For tests: keeps what was sent."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        MemorySmsBackend.outbox.append((phone, text))


def get_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.WENZHENG_SMS_BACKEND)()
    return backend


def send_sms(phone: str, text: str) -> None:
    if phone:
        get_backend().send(phone, text)
