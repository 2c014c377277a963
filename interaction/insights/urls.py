"""Insights API addresses, included under /api/insights/."""

from django.urls import path

from . import apis

urlpatterns = [
    path("performance/", apis.PerformanceApi.as_view(), name="insights-performance"),
    path("trends/", apis.TrendsApi.as_view(), name="insights-trends"),
    path("gini/", apis.GiniApi.as_view(), name="insights-gini"),
    path("report.xlsx", apis.ReportXlsxApi.as_view(), name="insights-report"),
]
