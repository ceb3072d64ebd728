from django.urls import path

from employment import views

app_name = "employment"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("unplaced/", views.work_list, {"name": "unplaced"}, name="unplaced"),
    path("visits-due/", views.work_list, {"name": "visits_due"}, name="visits_due"),
    path("at-risk/", views.work_list, {"name": "at_risk"}, name="at_risk"),
    path("people/<int:pk>/", views.person, name="person"),
]
