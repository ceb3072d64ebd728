from django import forms
from django.contrib import admin
from django.utils import timezone
from import_export import fields, resources, widgets
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from accounts.adminscope import AreaScopedAdmin, ScopedInlineMixin, SharedDataAdmin
from claims.models import Adjustment, Claim, Hospital, Settlement, SettlementPayment
from claims.selectors import hospitals_unclassified_count
from claims.services import TOWNSHIP_OUT_OF_COUNTY, hospital_classify, hospitals_accept
from regions.models import Region


def hospital_save_placed(hospital: Hospital, user, save) -> None:
    """Save an administrator's edit of a hospital (``save``), its place going through ``hospital_classify``: a new
    hospital is classified as entered, and a change of 县域内 or 所在乡镇 settles its bills again. Any other edit
    leaves a 待分类 hospital 待分类."""
    if hospital.pk is None:
        hospital.place_confirmed_by, hospital.place_confirmed_at = user, timezone.now()
        save()
        return
    stored = Hospital.objects.get(pk=hospital.pk)
    in_county, township = hospital.in_county, hospital.township
    hospital.in_county, hospital.township = stored.in_county, stored.township
    save()
    if (in_county, township) != (stored.in_county, stored.township):
        hospital_classify(user=user, hospital=hospital, in_county=in_county, township=township)
        hospital.refresh_from_db()


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
        use_transactions = True  # a preview classifies through the service too, then rolls back

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if instance.in_county and not instance.classified:
            # A 待分类 hospital the list puts in the county is classified as it is saved (hospital_save_placed):
            # said before the row is checked against the rule that only a classified hospital is in the county.
            instance.place_confirmed_at = timezone.now()

    def save_instance(self, instance, is_create, row, **kwargs):
        hospital_save_placed(instance, kwargs["user"],
                             lambda: super(HospitalResource, self).save_instance(instance, is_create, row, **kwargs))


@admin.action(description="确认所选医疗机构（经办员导入时新建的）", permissions=["accept"])
def accept_hospitals(modeladmin, request, queryset):
    count = hospitals_accept(user=request.user, hospitals=queryset)
    modeladmin.message_user(request, f"已确认 {count} 家医疗机构；录入账单和导入清单时均可使用。")


class HospitalForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if cleaned.get("township") is not None and not cleaned.get("in_county"):
            self.add_error("township", TOWNSHIP_OUT_OF_COUNTY)
        return cleaned


class ClassifiedFilter(admin.SimpleListFilter):
    title = "县域内/县域外分类"
    parameter_name = "classified"

    def lookups(self, request, model_admin):
        return [("no", "待分类"), ("yes", "已分类")]

    def queryset(self, request, queryset):
        if self.value() in ("no", "yes"):
            return queryset.filter(place_confirmed_at__isnull=self.value() == "no")
        return queryset


@admin.register(Hospital)
class HospitalAdmin(SharedDataAdmin, ImportExportMixin, SimpleHistoryAdmin):
    form = HospitalForm
    resource_classes = [HospitalResource]
    change_list_template = "admin/claims/hospital/change_list.html"
    actions = [accept_hospitals]
    list_display = ("name", "code", "level", "grade", "in_county", "classified", "township", "status", "proposed_by")
    list_filter = ("status", ClassifiedFilter, "level", "grade", "in_county")
    search_fields = ("name", "code")
    autocomplete_fields = ("township",)
    readonly_fields = ("status", "proposed_by", "proposed_at", "suggested_in_county", "place_confirmed_by",
                       "place_confirmed_at")

    @admin.display(description="已分类", boolean=True, ordering="place_confirmed_at")
    def classified(self, hospital):
        return hospital.classified

    def has_accept_permission(self, request):
        return self.has_change_permission(request) and request.user.has_perm("claims.accept_hospital")

    def save_model(self, request, obj, form, change):
        hospital_save_placed(obj, request.user,
                             lambda: super(HospitalAdmin, self).save_model(request, obj, form, change))

    def changelist_view(self, request, extra_context=None):
        # The way to the page of 待分类 hospitals, beside the accept action (templates/admin/claims/hospital/).
        unclassified = hospitals_unclassified_count()
        return super().changelist_view(request, (extra_context or {}) | {"unclassified": unclassified})


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
