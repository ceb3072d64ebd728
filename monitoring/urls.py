from django.urls import path

from monitoring import five_checks_views, views, visit_views

app_name = "monitoring"

urlpatterns = [
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/export/", views.alert_export, name="alert_export"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/referral/", views.alert_referral, name="alert_referral"),
    path("five-checks/", five_checks_views.five_checks_summary, name="five_checks"),
    path("five-checks/<slug:check>/", five_checks_views.five_checks_list, name="five_checks_list"),
    path("visits/", visit_views.visit_list, name="visit_list"),
    path("visits/new/", visit_views.visit_create, name="visit_create"),
    path("visits/import/", visit_views.visit_import, name="visit_import"),
]
