from django.urls import path

from projects import import_views

app_name = "participation_lists"

urlpatterns = [
    path("", import_views.batch_list, name="batches"),
    path("upload/", import_views.batch_upload, name="batch_upload"),
    path("<int:pk>/", import_views.batch_detail, name="batch"),
    path("<int:pk>/apply/", import_views.batch_apply, name="batch_apply"),
    path("<int:pk>/discard/", import_views.batch_discard, name="batch_discard"),
    path("<int:pk>/report.xlsx", import_views.batch_report, name="batch_report"),
]
