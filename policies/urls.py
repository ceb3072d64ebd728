from django.urls import path

from policies import views

app_name = "policies"

urlpatterns = [
    path("", views.policy_list, name="list"),
    path("<int:pk>/", views.policy_detail, name="detail"),
    path("<int:pk>/compare/", views.policy_compare, name="compare"),
    path("<int:pk>/edit/", views.policy_edit, name="edit"),
]
