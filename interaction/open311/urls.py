"""Open311 GeoReport v2 under /open311/v2/ (format by extension: .json or .xml)."""

from django.urls import re_path

from . import views

app_name = "open311"

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(rf"^services{FMT}", views.service_list, name="services"),
    re_path(rf"^services/(?P<code>[-\w]+){FMT}", views.service_definition, name="service"),
    re_path(rf"^requests{FMT}", views.requests_view, name="requests"),
    re_path(rf"^requests/(?P<request_id>[-\w]+){FMT}", views.request_detail, name="request"),
    re_path(rf"^tokens/(?P<token>[-\w:]+){FMT}", views.token_detail, name="token"),
]
