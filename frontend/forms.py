"""Page forms: they parse what the browser sent; the services decide whether it is acceptable.

Most fields are `required=False` on purpose. The services own the rules and their messages
("Please write a subject."), so a missing value reaches the service and its `ValidationFailed`
is shown on the field (`show_domain_error`). The HTML `required` attribute still helps the
browser catch an empty field before a round trip.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.accounts.login_guard import LoginGuard, locked_message
from backend.accounts.models import Role, User
from backend.organisation.models import Category, Department, Jurisdiction
from backend.throttling import client_ip
from interaction.errors import DomainError, ValidationFailed
from interaction.intake import MOBILE_RE, Submission, normalise_phone
from interaction.models import Case, Kind, ReturnReason, Satisfaction

REQUIRED = {"required": True}


def show_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Put a service's error on the form: per field when it names one, else on top."""
    if not hasattr(form, "cleaned_data"):
        form.is_valid()
    if isinstance(exc, ValidationFailed) and exc.errors:
        aliases: dict[str, str] = getattr(form, "error_aliases", {})
        for name, messages in exc.errors.items():
            name = aliases.get(name, name)
            target = name if name in form.fields else None
            for message in messages:
                form.add_error(target, str(message))
        return
    form.add_error(None, str(exc.message))


# --- Accounts ------------------------------------------------------------------------------


class LoginForm(AuthenticationForm):
    """Sign-in, refused for a while after too many failures (backend.accounts.login_guard)."""

    username = forms.CharField(
        label=_("Phone, e-mail or user name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    locked_seconds = 0

    def clean(self) -> dict[str, Any]:
        address = client_ip(self.request) if self.request is not None else ""
        guard = LoginGuard(self.cleaned_data.get("username") or "", address)
        self.locked_seconds = guard.locked_for()
        if self.locked_seconds:
            raise forms.ValidationError(locked_message(self.locked_seconds), code="locked")
        try:
            data = super().clean()
        except forms.ValidationError:
            guard.failed()
            raise
        guard.succeeded()
        return data


class RegisterForm(forms.Form):
    """A citizen's own account: a mobile phone or an e-mail address (or both) and a password."""

    display_name = forms.CharField(label=_("Name (optional)"), max_length=60, required=False)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data.get("phone", ""))
        if phone and not MOBILE_RE.match(phone):
            raise forms.ValidationError(_("Enter a mobile number of 11 digits."))
        if phone and User.objects.filter(Q(phone=phone) | Q(username=phone)).exists():
            raise forms.ValidationError(_("An account with this phone number already exists."))
        return phone

    def clean_email(self) -> str:
        email = (self.cleaned_data.get("email") or "").strip().lower()
        if email and User.objects.filter(Q(email__iexact=email) | Q(username=email)).exists():
            raise forms.ValidationError(_("An account with this e-mail address already exists."))
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("phone") and not data.get("email") and not self.errors:
            raise forms.ValidationError(_("Give a mobile phone number or an e-mail address."))
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            candidate = User(
                username=data.get("phone") or data.get("email") or "",
                email=data.get("email") or "",
                display_name=data.get("display_name") or "",
            )
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data

    def save(self) -> User:
        """Create the citizen. (Only this form creates citizen accounts; no workflow is involved.)"""
        data = self.cleaned_data
        return User.objects.create_user(
            username=data["phone"] or data["email"],
            email=data["email"],
            phone=data["phone"],
            password=data["password1"],
            display_name=data["display_name"],
            role=Role.CITIZEN,
        )


# --- Intake ----------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the pattern from Django's documentation)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,.pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [item for item in items if item]


def _street_choices() -> list[tuple[Any, Any]]:
    """Streets grouped by district (the page script hides other districts' streets)."""
    groups: dict[str, list[tuple[int, str]]] = {}
    streets = Jurisdiction.objects.filter(level=Jurisdiction.Level.STREET).select_related("parent")
    for street in streets.order_by("parent__code", "code"):
        groups.setdefault(street.parent.name if street.parent else "", []).append(
            (street.pk, street.name)
        )
    return [("", _("— street (optional) —")), *groups.items()]


class SubmissionForm(forms.Form):
    # The service names the attachments "files" in its errors.
    error_aliases = {"files": "attachments"}

    kind = forms.ChoiceField(
        label=_("Kind of message"), choices=[("", "—"), *Kind.choices], required=False
    )
    subject = forms.CharField(
        label=_("Subject"), max_length=200, required=False, widget=forms.TextInput(attrs=REQUIRED)
    )
    body = forms.CharField(
        label=_("Your message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, **REQUIRED}),
    )
    district = forms.TypedChoiceField(
        label=_("District"), coerce=int, empty_value=None, required=False
    )
    street = forms.TypedChoiceField(label=_("Street"), coerce=int, empty_value=None, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    contact_name = forms.CharField(label=_("Your name"), max_length=100, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", **REQUIRED}),
    )
    attachments = MultipleFileField(label=_("Photos or PDF files"), required=False)
    allow_publish = forms.BooleanField(
        label=_("Public (公开): the question and the reply may be published without your name"),
        required=False,
        initial=True,
    )
    keep_identity_secret = forms.BooleanField(
        label=_("Confidential (保密): the department does not see who wrote"),
        required=False,
    )

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        districts = Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT).order_by("code")
        district_field: Any = self.fields["district"]
        district_field.choices = [
            ("", _("— district (optional) —")),
            *[(d.pk, d.name) for d in districts],
        ]
        street_field: Any = self.fields["street"]
        street_field.choices = _street_choices()
        if user is not None and user.is_authenticated and not self.is_bound:
            self.initial.setdefault("contact_phone", user.phone)
            self.initial.setdefault("contact_name", user.display_name)

    def submission(self) -> Submission:
        data = self.cleaned_data
        return Submission(
            kind=data.get("kind") or "",
            subject=data.get("subject") or "",
            body=data.get("body") or "",
            contact_phone=data.get("contact_phone") or "",
            contact_name=data.get("contact_name") or "",
            district_id=data.get("district"),
            street_id=data.get("street"),
            address=data.get("address") or "",
            allow_publish=bool(data.get("allow_publish")),
            keep_identity_secret=bool(data.get("keep_identity_secret")),
            files=list(data.get("attachments") or []),
        )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search by subject"), max_length=100, required=False)


# --- The citizen on their case ---------------------------------------------------------------

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class EvaluationForm(forms.Form):
    attitude = forms.ChoiceField(
        label=_("The department's attitude"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    result = forms.ChoiceField(
        label=_("The result"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    solved = forms.ChoiceField(
        label=_("Was the problem solved?"), choices=YES_NO, widget=forms.RadioSelect, initial="no"
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ProvideInfoForm(forms.Form):
    answer = forms.CharField(
        label=_("The information asked for"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, **REQUIRED}),
    )


# --- Department ----------------------------------------------------------------------------


class ReturnForm(forms.Form):
    reason_code = forms.ChoiceField(
        label=_("Why is the case not yours?"),
        choices=[("", "—"), *ReturnReason.choices],
        required=False,
    )
    reason_text = forms.CharField(
        label=_("Explanation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, **REQUIRED}),
    )


class InfoRequestForm(forms.Form):
    question = forms.CharField(
        label=_("What information is needed from the citizen?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, **REQUIRED}),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply to the citizen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, **REQUIRED}),
    )


class ExtensionForm(forms.Form):
    days = forms.IntegerField(
        label=_("Working days needed"),
        min_value=1,
        max_value=30,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, **REQUIRED}),
    )


class NoteForm(forms.Form):
    """What must change (head sending a draft back, platform asking for rework)."""

    note = forms.CharField(
        label=_("What must change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, **REQUIRED}),
    )


# --- Dispatcher ------------------------------------------------------------------------------


def _categories() -> Any:
    return Category.objects.filter(is_active=True).select_related("parent").order_by("code")


def _departments() -> Any:
    return Department.objects.filter(is_active=True).order_by("code")


class DispatchForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False
    )
    department = forms.ModelChoiceField(
        label=_("Lead department"), queryset=Department.objects.none(), required=False
    )
    assisting = forms.ModelMultipleChoiceField(
        label=_("Assisting departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category: Any = self.fields["category"]
        category.queryset = _categories()
        for name in ("department", "assisting"):
            field: Any = self.fields[name]
            field.queryset = _departments()

    def ids(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "department_id": data["department"].pk if data.get("department") else None,
            "category_id": data["category"].pk if data.get("category") else None,
            "assisting_ids": [d.pk for d in data.get("assisting") or []],
            "note": data.get("note") or "",
        }


class AcceptReturnForm(DispatchForm):
    """Re-dispatch a returned case elsewhere (no assisting departments on this path)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["assisting"]


class RejectReturnForm(forms.Form):
    note = forms.CharField(
        label=_("Why the department must keep the case"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, **REQUIRED}),
    )


class CloseInvalidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason shown to the citizen"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs=REQUIRED),
    )


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("Tracking number of the earlier case"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_into(self) -> int:
        number = self.cleaned_data["into"].strip().upper()
        target = Case.objects.filter(tracking_no=number).values_list("pk", flat=True).first()
        if target is None:
            raise forms.ValidationError(_("No case has this tracking number."))
        return int(target)


# --- Supervisor ------------------------------------------------------------------------------


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("grant", _("Grant")), ("deny", _("Deny"))], widget=forms.HiddenInput
    )
    days = forms.IntegerField(
        label=_("Working days granted"),
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
