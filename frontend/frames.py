"""Page frames for anonymous visitors, rendered once per language.

A public page's frame (header, navigation, the page's fixed text, the footer's language links)
is the same for every anonymous visitor in a language. Only two things differ from one request
to the next: the page's own content (already rendered HTML, e.g. the published list) and the
address the language links return to. So the frame is rendered once per process, template and
language with markers in those places, cut at the markers, and each request joins the pieces
with its own values (the address quoted and escaped as the template's `urlencode` would).
The frame must hold no form that needs a CSRF token: a token differs per visitor.

Signed-in users, and visitors with a message waiting (django.contrib.messages), get the page
rendered in full. With DEBUG on (development, templates reloaded on change) or
`WENZHENG_PAGE_FRAMES = False`, every page is rendered in full."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

# Letters and digits only (escaping leaves them as they are), unguessable: the content joined in
# afterwards cannot be mistaken for a marker, and the frame itself holds no user input.
_NONCE = secrets.token_hex(8)


def _marker(slot: str) -> str:
    return f"wzframe{_NONCE}{slot}"


@dataclass(frozen=True)
class Frame:
    """A rendered page cut at its slots: pieces[0] slots[0] pieces[1] … slots[-1] pieces[-1]."""

    pieces: tuple[str, ...]
    slots: tuple[str, ...]

    def fill(self, values: dict[str, str]) -> str:
        parts = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            parts.append(values[slot])
            parts.append(piece)
        return "".join(parts)


def cut(html: str, slots: list[str]) -> Frame:
    """`html` cut at the markers of `slots` (each may appear any number of times)."""
    by_marker = {_marker(slot): slot for slot in slots}
    split = re.split("(" + "|".join(map(re.escape, by_marker)) + ")", html)
    return Frame(pieces=tuple(split[0::2]), slots=tuple(by_marker[m] for m in split[1::2]))


_frames: dict[tuple[str, str, str], Frame] = {}


@receiver(setting_changed)
def _forget_frames(**_kwargs: Any) -> None:
    _frames.clear()


def enabled() -> bool:
    return not settings.DEBUG and bool(getattr(settings, "WENZHENG_PAGE_FRAMES", True))


def usable(request: HttpRequest) -> bool:
    """Whether `request` may be answered from a frame: an anonymous visitor with no message
    waiting (counting messages loads them without marking them shown)."""
    user = getattr(request, "user", None)
    if not enabled() or user is None or user.is_authenticated:
        return False
    return len(get_messages(request)) == 0


def render_framed(
    request: HttpRequest, template: str, context: dict[str, Any], html: dict[str, str]
) -> HttpResponse:
    """`template` rendered for an anonymous visitor (see `usable`) with `context`, where each
    entry of `html` is a piece of ready HTML put in under its name. The same page as
    `render(request, template, {**context, **html})`; `context` must be the same for every
    anonymous visitor of the address."""
    key = (template, request.path, get_language() or "")
    frame = _frames.get(key)
    if frame is None:
        slots = [*html, "next_path"]
        marked = {slot: mark_safe(_marker(slot)) for slot in slots}  # noqa: S308 (letters, digits)
        rendered = render_to_string(template, {**context, **marked}, request)
        if "csrfmiddlewaretoken" in rendered:
            raise ImproperlyConfigured(f"{template} has a CSRF token: it cannot be a shared frame")
        frame = cut(rendered, slots)
        _frames[key] = frame
    values = {**html, "next_path": escape(quote(request.get_full_path(), safe="/"))}
    return HttpResponse(frame.fill(values))
