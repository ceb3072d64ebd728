from django.urls import path

from assistance import application_views, views

app_name = "assistance"

urlpatterns = [
    path("funds/", views.fund_list, name="fund_list"),
    path("grants/", views.grant_list, name="grant_list"),
    path("grants/<int:pk>/", views.grant_detail, name="grant_detail"),
    path("people/<int:person_pk>/grants/new/", views.grant_create, name="grant_create"),
    path("applications/", application_views.application_list, name="application_list"),
    path("applications/publicity/", application_views.publicity_list, name="publicity_list"),
    path("applications/<int:pk>/", application_views.application_detail, name="application_detail"),
    path("applications/<int:pk>/form/", application_views.application_print, name="application_print"),
    path("applications/<int:pk>/documents/<int:document_pk>/", application_views.application_document,
         name="application_document"),
    path("people/<int:person_pk>/applications/new/", application_views.application_create,
         name="application_create"),
]
