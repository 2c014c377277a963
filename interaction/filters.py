"""Filters of case lists (API and pages): what a list can be narrowed by.

A FilterSet only narrows a queryset that a selector already limited to what the user may see;
it never widens it.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from backend.organisation.models import Category, Department, Jurisdiction

from .models import Case, Kind, Urgency
from .states import CLOCK_RUNNING_STATUSES, Status


def _overdue_q() -> Q:
    return Q(status__in=CLOCK_RUNNING_STATUSES, reply_deadline__lt=timezone.now())


class YesNoField(forms.NullBooleanField):
    """true/false (1/0, yes/no); empty: no filter. Anything else is an error (400): Django's
    own field reads it as "no filter", so a typo would silently list everything."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]
        word = "" if value is None else str(value).strip().lower()
        if word == "":
            return None
        if word in ("true", "1", "yes"):
            return True
        if word in ("false", "0", "no"):
            return False
        raise forms.ValidationError(_("Use true or false."), code="invalid")

    def validate(self, value: Any) -> None:
        return None


class YesNoFilter(django_filters.BooleanFilter):
    field_class = YesNoField


class CaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, help_text=_("One or more statuses (repeat the parameter).")
    )
    department = django_filters.ModelChoiceFilter(
        field_name="lead_department",
        queryset=Department.objects.all(),
        help_text=_("Lead department id."),
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        method="filter_category",
        help_text=_("Category id; a top-level category includes its sub-categories."),
    )
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices)
    district = django_filters.ModelChoiceFilter(
        queryset=Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT),
        help_text=_("District id."),
    )
    overdue = YesNoFilter(
        method="filter_overdue",
        help_text=_("true: the reply deadline has passed while the department holds the case."),
    )
    problem = YesNoFilter(field_name="is_problem")
    created_after = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", help_text=_("On or after this date.")
    )
    created_before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", help_text=_("On or before this date.")
    )
    q = django_filters.CharFilter(
        field_name="subject", lookup_expr="icontains", help_text=_("Words in the subject.")
    )

    class Meta:
        model = Case
        fields: list[str] = []

    @extend_schema_field(OpenApiTypes.INT)
    def filter_category(
        self, queryset: QuerySet[Case], name: str, value: Category | None
    ) -> QuerySet[Case]:
        if value is None:
            return queryset
        return queryset.filter(Q(category=value) | Q(category__parent=value))

    @extend_schema_field(
        {
            "type": "boolean",
            "description": "true: the reply deadline has passed while the department holds the "
            "case; false: it has not.",
        }
    )
    def filter_overdue(
        self, queryset: QuerySet[Case], name: str, value: bool | None
    ) -> QuerySet[Case]:
        if value is None:
            return queryset
        return queryset.filter(_overdue_q()) if value else queryset.exclude(_overdue_q())
