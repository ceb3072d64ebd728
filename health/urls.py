from django.urls import path

from health import coverage_views, import_views, views

app_name = "health"

urlpatterns = [
    path("", coverage_views.coverage_page, name="coverage"),
    path("missing/<str:measure>/", coverage_views.missing_page, name="missing"),
    path("households/<int:pk>/", views.household, name="household"),
    path("people/<int:pk>/", views.person, name="person"),
    path("diseases/", views.diseases, name="diseases"),
    path("contracts/batches/", import_views.batch_list, name="batches"),
    path("contracts/batches/upload/", import_views.batch_upload, name="batch_upload"),
    path("contracts/batches/<int:pk>/", import_views.batch_detail, name="batch"),
    path("contracts/batches/<int:pk>/apply/", import_views.batch_apply, name="batch_apply"),
    path("contracts/batches/<int:pk>/discard/", import_views.batch_discard, name="batch_discard"),
    path("contracts/batches/<int:pk>/report.xlsx", import_views.batch_report, name="batch_report"),
]
