from django.urls import path

from employment import survey_views

app_name = "surveys"

urlpatterns = [
    path("", survey_views.batch_list, name="batches"),
    path("upload/", survey_views.batch_upload, name="batch_upload"),
    path("<int:pk>/", survey_views.batch_detail, name="batch"),
    path("<int:pk>/apply/", survey_views.batch_apply, name="batch_apply"),
    path("<int:pk>/discard/", survey_views.batch_discard, name="batch_discard"),
    path("<int:pk>/report.xlsx", survey_views.batch_report, name="batch_report"),
]
