from django.urls import path

from claims import simulation_views, views

urlpatterns = [
    path("", views.bill_list, name="bill_list"),
    path("day/", views.day_tally, name="day_tally"),
    path("day/print/", views.day_tally_print, name="day_tally_print"),
    path("new/<int:person_pk>/", views.claim_create, name="claim_create"),
    path("<int:pk>/", views.claim_detail, name="claim_detail"),
    path("<int:pk>/slip/", views.claim_slip, name="claim_slip"),
    path("<int:pk>/void/", views.claim_void, name="claim_void"),
    path("adjustments/", views.adjustment_list, name="adjustment_list"),
    path("import/", views.claim_import, name="claim_import"),
    path("hospitals/unclassified/", views.hospital_classify, name="hospital_classify"),
    path("simulations/", simulation_views.simulation_start, name="simulation"),
    path("simulations/<int:pk>/", simulation_views.simulation_detail, name="simulation_detail"),
    path("simulations/<int:pk>/progress/", simulation_views.simulation_progress, name="simulation_progress"),
    path("simulations/<int:pk>/download/", simulation_views.simulation_download, name="simulation_download"),
]
