from django.urls import path

from claims import views

urlpatterns = [
    path("new/<int:person_pk>/", views.claim_create, name="claim_create"),
    path("<int:pk>/", views.claim_detail, name="claim_detail"),
    path("<int:pk>/slip/", views.claim_slip, name="claim_slip"),
    path("<int:pk>/void/", views.claim_void, name="claim_void"),
    path("adjustments/", views.adjustment_list, name="adjustment_list"),
    path("import/", views.claim_import, name="claim_import"),
]
