from django.urls import path

from rosters import enrollment_views, views

app_name = "rosters"

urlpatterns = [
    path("", views.batch_list, name="batch_list"),
    path("upload/", views.batch_upload, name="batch_upload"),
    path("<int:pk>/", views.batch_detail, name="batch_detail"),
    path("<int:pk>/progress/", views.batch_progress, name="batch_progress"),
    path("<int:pk>/apply/", views.batch_apply, name="batch_apply"),
    path("<int:pk>/revert/", views.batch_revert, name="batch_revert"),
    path("<int:pk>/report.xlsx", views.batch_report, name="batch_report"),
    path("enrollment/", enrollment_views.enrollment_upload, name="enrollment_upload"),
    path("enrollment/<int:pk>/", enrollment_views.enrollment_detail, name="enrollment_detail"),
    path("enrollment/<int:pk>/apply/", enrollment_views.enrollment_apply, name="enrollment_apply"),
]
