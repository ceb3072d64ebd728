"""Partners and their calls in the admin: to read only. A partner is created, changed, rotated and revoked in
its own pages (``/api/partners/``) or by the commands, through ``api.services``, which issue the key once and
keep its account in step; the admin would do neither."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from api.models import Partner, PartnerCall
from claims.admin import ReadOnlyAdmin


@admin.register(Partner)
class PartnerAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    area_lookup = "area__code"
    list_display = ("name", "kind", "area", "scope_list", "key_prefix", "key_issued_at", "revoked_at", "page")
    list_filter = ("kind", "revoked_at")
    search_fields = ("name", "=key_prefix", "contact")
    list_select_related = ("area",)
    exclude = ("key_digest",)

    @admin.display(description="权限范围")
    def scope_list(self, partner):
        return partner.get_scopes_display()

    @admin.display(description="对接系统页面")
    def page(self, partner):
        return format_html('<a href="{}">查看</a>', reverse("partners:detail", args=[partner.pk]))


@admin.register(PartnerCall)
class PartnerCallAdmin(ReadOnlyAdmin):
    # A call no key could be tied to has no partner, hence no area: only accounts without an area limit see it.
    area_lookup = "partner__area__code"
    list_display = ("at", "partner", "key_prefix", "method", "endpoint", "status", "outcome", "area", "counts",
                    "duration_ms", "detail")
    list_filter = ("outcome", "status", "method", "partner")
    search_fields = ("=key_prefix", "endpoint", "detail", "partner__name")
    date_hierarchy = "at"
    list_select_related = ("partner",)
