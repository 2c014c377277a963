"""Reference data for forms and filters: categories, departments, jurisdictions (public)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from backend.organisation.models import Category, Department, Jurisdiction

from .serializers import CategoryOutput, DepartmentOutput, JurisdictionOutput


class ReferenceApi(GenericAPIView):
    permission_classes = [AllowAny]
    pagination_class = None
    filter_backends: list[Any] = []

    def get(self, request: Request) -> Response:
        return Response(self.get_serializer(self.get_queryset(), many=True).data)


class CategoryListApi(ReferenceApi):
    serializer_class = CategoryOutput

    def get_queryset(self) -> Any:
        return Category.objects.filter(is_active=True).order_by("parent_id", "code")

    @extend_schema(
        operation_id="categories_list",
        summary="Active categories (two levels: `parent` is null at the top)",
        responses=CategoryOutput(many=True),
        tags=["reference"],
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class DepartmentListApi(ReferenceApi):
    serializer_class = DepartmentOutput

    def get_queryset(self) -> Any:
        return Department.objects.filter(is_active=True).select_related("jurisdiction")

    @extend_schema(
        operation_id="departments_list",
        summary="Active departments",
        responses=DepartmentOutput(many=True),
        tags=["reference"],
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class JurisdictionListApi(ReferenceApi):
    serializer_class = JurisdictionOutput

    def get_queryset(self) -> Any:
        return Jurisdiction.objects.all()

    @extend_schema(
        operation_id="jurisdictions_list",
        summary="City, districts and streets",
        responses=JurisdictionOutput(many=True),
        tags=["reference"],
    )
    def get(self, request: Request) -> Response:
        return super().get(request)
