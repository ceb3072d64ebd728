from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("", views.library, name="library"),
    path("<int:pk>/", views.project, name="project"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("people/<int:pk>/", views.person, name="person"),
    path("no-project/", views.people_list, name="no_project"),
    path("no-project/unrecorded/", views.people_list, {"which": "unrecorded"}, name="unrecorded"),
    path("stats/", views.stats, name="stats"),
]
