from django.urls import path

from ledgers import views

urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("exports/", views.ledger_export_start, name="ledger_export_start"),
    path("exports/<int:pk>/", views.ledger_export_detail, name="ledger_export_detail"),
    path("exports/<int:pk>/progress/", views.ledger_export_progress, name="ledger_export_progress"),
    path("exports/<int:pk>/download/", views.ledger_export_download, name="ledger_export_download"),
    path("stats/", views.stats, name="ledger_stats"),
    path("stats/export/", views.stats_export, name="ledger_stats_export"),
    path("responsibilities/", views.responsibilities, name="responsibilities"),
    path("responsibilities/export/", views.responsibilities_export, name="responsibilities_export"),
]
