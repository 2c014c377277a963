"""Security headers that Django's SecurityMiddleware does not set."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicyMiddleware:
    """`Content-Security-Policy` (WENZHENG_CONTENT_SECURITY_POLICY) on every response whose view
    did not set a stricter one of its own (attachments do). The default forbids framing by any
    site (`frame-ancestors 'none'`, alongside X-Frame-Options), plugins, a foreign `<base>` and
    forms posting elsewhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.WENZHENG_CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
