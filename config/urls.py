from django.contrib import admin
from django.urls import include, path

from claims import calculator_views
from config import import_templates
from monitoring import home_views

admin.site.site_header = "健康扶贫医疗保障管理系统"
admin.site.site_title = "健康扶贫管理后台"
admin.site.index_title = "后台管理"

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("api/partners/", include("api.page_urls")),
    path("", home_views.home_page, name="home"),
    path("home/five-checks/", home_views.home_five_checks, name="home_five_checks"),
    path("", include("accounts.urls")),
    path("", include("beneficiaries.urls")),
    path("policies/calculator/", calculator_views.calculator, name="calculator"),
    path("policies/", include("policies.urls")),
    path("claims/", include("claims.urls")),
    path("payments/", include("payments.urls")),
    path("rosters/", include("rosters.urls")),
    path("ledger/", include("ledgers.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("assistance/", include("assistance.urls")),
    path("health/", include("health.urls")),
    path("employment/surveys/", include("employment.survey_urls")),
    path("employment/", include("employment.urls")),
    path("projects/participation-lists/", include("projects.import_urls")),
    path("projects/", include("projects.urls")),
    path("imports/templates/<slug:name>.xlsx", import_templates.import_template, name="import_template"),
]
