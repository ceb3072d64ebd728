from django.contrib import admin
from import_export import fields, resources, widgets
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from accounts.adminscope import AreaScopedAdmin, ScopedInlineMixin, SharedDataAdmin
from claims.models import Adjustment, Claim, Hospital, Settlement, SettlementPayment
from claims.services import hospitals_accept
from regions.models import Region


class HospitalResource(resources.ModelResource):
    name = fields.Field(attribute="name", column_name="名称")
    code = fields.Field(attribute="code", column_name="机构编码")
    level = fields.Field(attribute="level", column_name="级别")
    grade = fields.Field(attribute="grade", column_name="等级")
    in_county = fields.Field(attribute="in_county", column_name="县域内", widget=widgets.BooleanWidget())
    township = fields.Field(attribute="township", column_name="所在乡镇代码",
                            widget=widgets.ForeignKeyWidget(Region, field="code"))

    class Meta:
        model = Hospital
        fields = ("name", "code", "level", "grade", "in_county", "township")
        import_id_fields = ("name",)
        clean_model_instances = True
        skip_unchanged = True


@admin.action(description="确认所选医疗机构（经办员导入时新建的）", permissions=["accept"])
def accept_hospitals(modeladmin, request, queryset):
    count = hospitals_accept(user=request.user, hospitals=queryset)
    modeladmin.message_user(request, f"已确认 {count} 家医疗机构；录入账单和导入清单时均可使用。")


@admin.register(Hospital)
class HospitalAdmin(SharedDataAdmin, ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [HospitalResource]
    actions = [accept_hospitals]
    list_display = ("name", "code", "level", "grade", "in_county", "township", "status", "proposed_by")
    list_filter = ("status", "level", "grade", "in_county")
    search_fields = ("name", "code")
    autocomplete_fields = ("township",)
    readonly_fields = ("status", "proposed_by")

    def has_accept_permission(self, request):
        return self.has_change_permission(request) and request.user.has_perm("claims.accept_hospital")


class PaymentInline(ScopedInlineMixin, admin.TabularInline):
    model = SettlementPayment
    fields = ("position", "name", "fund", "amount", "base_added", "applied", "recorded", "explanation")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(AreaScopedAdmin):
    """Money records change only through the services (settle, void, re-settle), never by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    area_lookup = "beneficiary__village__code"
    person_path = "beneficiary_id"
    list_display = ("id", "beneficiary", "hospital", "visit_type", "discharged_on", "total", "status", "origin")
    list_filter = ("status", "visit_type", "origin", "pay_later", "hospital__level", "paid_out_on")
    search_fields = ("=id", "beneficiary__name", "=beneficiary__id_number", "hospital__name", "=platform_settlement_id")
    date_hierarchy = "discharged_on"
    list_select_related = ("beneficiary", "hospital")


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    area_lookup = "claim__beneficiary__village__code"
    person_path = "claim.beneficiary_id"
    list_display = ("id", "claim", "policy_version", "reason", "total", "personal", "settled_at", "superseded_at")
    list_filter = ("reason", "policy_version__policy")
    search_fields = ("=claim__id", "claim__beneficiary__name")
    inlines = [PaymentInline]
    list_select_related = ("claim__beneficiary", "claim__hospital", "policy_version__policy")


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnlyAdmin):
    area_lookup = "claim__beneficiary__village__code"
    person_path = "claim.beneficiary_id"
    list_display = ("created_at", "kind", "claim", "name", "fund", "before", "after", "created_by")
    list_filter = ("kind", "fund")
    search_fields = ("=claim__id", "claim__beneficiary__name")
    date_hierarchy = "created_at"
