from django.urls import path

from assistance import views

app_name = "assistance"

urlpatterns = [
    path("funds/", views.fund_list, name="fund_list"),
    path("grants/", views.grant_list, name="grant_list"),
    path("grants/<int:pk>/", views.grant_detail, name="grant_detail"),
    path("people/<int:person_pk>/grants/new/", views.grant_create, name="grant_create"),
]
