"""What every API view shares: finding a case the user may see, who sees what, error schemas."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from backend.accounts.models import Role, User

from .. import permissions
from ..errors import NotAllowed
from ..models import Case

DEPARTMENT_ROLES = (Role.LIAISON, Role.HEAD)


def request_user(request: Request) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def signed_in(request: Request) -> User:
    """The signed-in actor of a view that requires one (IsAuthenticated ran before)."""
    user = request_user(request)
    if user is None:
        raise NotAuthenticated()
    return user


def request_token(request: Request) -> str | None:
    """The private link's token of an anonymous writer: in the query string or the body."""
    token = request.query_params.get("token")
    if not token and hasattr(request, "data") and hasattr(request.data, "get"):
        token = request.data.get("token")
    return str(token) if token else None


def visible_case(request: Request, tracking_no: str, *, queryset: QuerySet[Case] | None = None):
    """The case with this tracking number, or a 404 for anyone who may not open it.

    A 404 (not a 403): whether a case exists is itself private.
    """
    qs = queryset if queryset is not None else Case.objects.all()
    case = qs.filter(tracking_no=tracking_no).first()
    if case is None or not permissions.can_view(
        request_user(request), case, token=request_token(request)
    ):
        raise NotFound()
    return case


def ensure_role(request: Request, *roles: str) -> User:
    """Work lists belong to roles; anyone else is refused (the lists would be empty anyway)."""
    user = request_user(request)
    if user is None or not user.has_role(*roles):
        raise NotAllowed()
    return user


TRUE_WORDS = ("1", "true", "yes")
FALSE_WORDS = ("0", "false", "no")


def query_flag(request: Request, name: str, *, blank: bool | None = None) -> bool | None:
    """A yes/no query parameter: None when absent, `blank` when sent empty (`?pending`), and a
    400 for anything that is not true/false, 1/0 or yes/no (never silently read as "no")."""
    value = request.query_params.get(name)
    if value is None:
        return None
    word = value.strip().lower()
    if word == "":
        return blank
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise serializers.ValidationError({name: [_("Use true or false.")]})


@dataclass
class Viewer:
    """Who is looking at a list: the per-row visibility rules of `permissions`, without a query
    per row (department memberships are read once; assisting departments are prefetched)."""

    user: User | None
    department_ids: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, user: User | None) -> Viewer:
        if user is not None and user.is_authenticated and user.role in DEPARTMENT_ROLES:
            return cls(user, permissions.department_ids(user))
        return cls(user)

    @property
    def needs_assisting(self) -> bool:
        return bool(self.department_ids)

    def sees_private_details(self, case: Case) -> bool:
        user = self.user
        if user is None or not user.is_authenticated:
            return False
        if case.citizen_id == user.pk:
            return True
        if user.is_superuser or user.role in permissions.STAFF_SEE_ALL:
            return True
        if user.role in DEPARTMENT_ROLES:
            if case.lead_department_id in self.department_ids:
                return True
            return any(d.pk in self.department_ids for d in case.assisting_departments.all())
        return False

    def sees_identity(self, case: Case) -> bool:
        if not self.sees_private_details(case):
            return False
        user = self.user
        assert user is not None
        return not (case.keep_identity_secret and user.role in DEPARTMENT_ROLES)


def with_viewer_prefetch(qs: QuerySet[Case], viewer: Viewer) -> QuerySet[Case]:
    return qs.prefetch_related("assisting_departments") if viewer.needs_assisting else qs


class Pagination(PageNumberPagination):
    """Pages of a list. A `page_size` that is not a whole number from 1 to 100 is refused with
    400 (DRF would silently use the default): the client learns its request was wrong."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request: Any) -> int:
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size or self.max_page_size
        size = int(values[0]) if len(values) == 1 and values[0].isdigit() else 0
        if not 1 <= size <= self.max_page_size:
            raise serializers.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Choose a page size from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return size

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            "page": {"minimum": 1},
            "page_size": {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
            if parameter["name"] == self.page_query_param:
                parameter["allowEmptyValue"] = True  # `?page=` is the first page
        return parameters


# --- the one error shape, for the schema --------------------------------------------------------


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. not_allowed.")
    message = serializers.CharField(help_text="Translated message for a person.")
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per input field, its problems (empty unless code is 'invalid').",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


def _err(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


ERROR_400 = _err("Invalid input: `error.fields` says what is wrong with each field.")
ERROR_401 = _err("Not signed in.")
ERROR_403 = _err("Signed in but not allowed to do this.")
ERROR_404 = _err("No such object, or not one you may see.")
ERROR_409 = _err("Not possible in the current state, or someone else acted first.")
ERROR_429 = _err("Too many submissions in the last hour.")


def errors(*codes: int) -> dict[int, Any]:
    table = {
        400: ERROR_400,
        401: ERROR_401,
        403: ERROR_403,
        404: ERROR_404,
        409: ERROR_409,
        429: ERROR_429,
    }
    return {code: table[code] for code in codes}
