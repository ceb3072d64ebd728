"""The partner pages (``/api/partners/``), for administrators; the API itself is in ``api.urls``."""

from django.urls import path

from api import views

app_name = "partners"
urlpatterns = [
    path("", views.partner_list, name="list"),
    path("new/", views.partner_new, name="new"),
    path("<int:pk>/", views.partner_detail, name="detail"),
    path("<int:pk>/edit/", views.partner_edit, name="edit"),
    path("<int:pk>/rotate/", views.partner_rotate, name="rotate"),
    path("<int:pk>/revoke/", views.partner_revoke_view, name="revoke"),
]
