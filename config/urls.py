from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "健康扶贫医疗保障管理系统"
admin.site.site_title = "健康扶贫管理后台"
admin.site.index_title = "后台管理"

handler400 = "config.errors.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("beneficiaries.urls")),
    path("policies/", include("policies.urls")),
    path("claims/", include("claims.urls")),
    path("rosters/", include("rosters.urls")),
    path("ledger/", include("ledgers.urls")),
]
