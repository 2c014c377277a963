"""Sign in (phone, e-mail or user name), sign out, and a citizen's own registration."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView as DjangoLoginView
from django.contrib.auth.views import LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _

from interaction import selectors

from ..forms import LoginForm, RegisterForm
from .common import current_user, safe_next


class LoginView(DjangoLoginView):
    template_name = "frontend/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """Without `next`, each role starts from its own page."""
        return resolve_url(selectors.home_for(current_user(self.request)))

    def form_invalid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        """Refused for too many failures: the page says so, with 429 and `Retry-After`."""
        response = super().form_invalid(form)
        if form.locked_seconds:
            response.status_code = 429
            response["Retry-After"] = str(form.locked_seconds)
        return response


logout = LogoutView.as_view()


def register(request: HttpRequest) -> HttpResponse:
    if current_user(request) is not None:
        return redirect(selectors.home_for(current_user(request)))
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="backend.accounts.auth_backends.PhoneOrEmailBackend")
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect(safe_next(request, "frontend:my-cases"))
    return render(request, "frontend/register.html", {"form": form})
