from django.urls import path

from health import coverage_views, views
from health.import_views import CONTRACT_LIST

app_name = "health"

urlpatterns = [
    path("", coverage_views.coverage_page, name="coverage"),
    path("missing/<str:measure>/", coverage_views.missing_page, name="missing"),
    path("households/<int:pk>/", views.household, name="household"),
    path("people/<int:pk>/", views.person, name="person"),
    path("diseases/", views.diseases, name="diseases"),
    *CONTRACT_LIST.urls("contracts/batches/"),
]
