from django.contrib import admin
from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from accounts.adminscope import AreaScopedAdmin, ReadOnly, ScopedInlineMixin, SharedDataAdmin
from beneficiaries import idnumbers
from beneficiaries.models import Beneficiary, Category, CategoryHolding, Enrollment, Household, Insurance
from beneficiaries.services import ensure_id_free
from regions.models import Region


class CategoryResource(resources.ModelResource):
    code = fields.Field(attribute="code", column_name="代码")
    name = fields.Field(attribute="name", column_name="名称")
    source = fields.Field(attribute="source", column_name="认定部门")
    ledger_column = fields.Field(attribute="ledger_column", column_name="台账列号", widget=widgets.IntegerWidget())
    order = fields.Field(attribute="order", column_name="排序", widget=widgets.IntegerWidget())

    class Meta:
        model = Category
        fields = ("code", "name", "source", "ledger_column", "order")
        import_id_fields = ("code",)
        clean_model_instances = True
        skip_unchanged = True


class BeneficiaryResource(resources.ModelResource):
    """Plain import/export of people by ID number, limited to the importing user's area."""

    name = fields.Field(attribute="name", column_name="姓名")
    id_number = fields.Field(attribute="id_number", column_name="身份证号")
    village = fields.Field(
        attribute="village", column_name="所在村代码", widget=widgets.ForeignKeyWidget(Region, field="code")
    )
    phone = fields.Field(attribute="phone", column_name="联系电话")
    status = fields.Field(attribute="status", column_name="状态")

    class Meta:
        model = Beneficiary
        fields = ("name", "id_number", "village", "phone", "status")
        import_id_fields = ("id_number",)
        clean_model_instances = True
        skip_unchanged = True

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    def get_queryset(self):
        return Beneficiary.objects.visible_to(self.user) if self.user else Beneficiary.objects.none()

    def before_import_row(self, row, **kwargs):
        try:
            row["身份证号"] = idnumbers.parse(row.get("身份证号")).number
        except idnumbers.IdNumberError as exc:
            raise ValidationError({"id_number": exc.message}) from None
        number = row["身份证号"]
        if not self.get_queryset().filter(id_number=number).exists():  # a new person here, not an update
            ensure_id_free(number, self.user)
        village = str(row.get("所在村代码") or "").strip()
        if not self.user or not self.user.can_see_code(village):
            raise ValidationError({"village": f"所在村 {village} 不在您的管辖区域内。"})
        row.setdefault("状态", Beneficiary.Status.ACTIVE)

    def before_save_instance(self, instance, row, **kwargs):
        parsed = idnumbers.parse(instance.id_number)
        instance.sex, instance.birth_date = parsed.sex, parsed.birth_date
        instance._history_user = self.user

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if field.attribute == "id_number" and not (self.user and self.user.sees_sensitive):
            return idnumbers.mask(value)
        if field.attribute == "phone" and value and not (self.user and self.user.sees_sensitive):
            return idnumbers.mask_phone(value)
        return value


class UserScopedImportExport(ImportExportMixin):
    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**super().get_resource_kwargs(request, *args, **kwargs), "user": request.user}


class HoldingInline(ScopedInlineMixin, admin.TabularInline):
    model = CategoryHolding
    extra = 0
    fields = ("category", "source", "start", "end", "recorded_by", "note")
    readonly_fields = ("recorded_by",)


class EnrollmentInline(ScopedInlineMixin, admin.TabularInline):
    model = Enrollment
    extra = 0
    fields = ("year", "insurance", "status", "subsidy", "reason", "note")


@admin.register(Beneficiary)
class BeneficiaryAdmin(AreaScopedAdmin, UserScopedImportExport, SimpleHistoryAdmin):
    person_path = "pk"
    resource_classes = [BeneficiaryResource]
    list_display = ("name", "masked_id", "sex", "birth_date", "village", "status")
    list_filter = ("status", "sex", "holdings__category")
    search_fields = ("name", "=id_number")
    autocomplete_fields = ("village", "household")
    readonly_fields = ("sex", "birth_date", "created_at")
    inlines = [HoldingInline, EnrollmentInline]
    list_select_related = ("village",)
    list_per_page = 50

    @admin.display(description="身份证号")
    def masked_id(self, obj):
        return idnumbers.mask(obj.id_number)

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return [("id_number" if f == "masked_id" else f) for f in shown] if request.user.sees_sensitive else shown

    def get_readonly_fields(self, request, obj=None):
        # A wrong ID number is corrected on the person's page (更正身份证号), with its reason in the history.
        return (*super().get_readonly_fields(request, obj), *(("id_number",) if obj else ()))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            return form

        class WithIdNumber(form):
            def clean_id_number(self):
                try:
                    parsed = idnumbers.parse(self.cleaned_data["id_number"])
                except idnumbers.IdNumberError as exc:
                    raise ValidationError(exc.message) from None
                try:
                    ensure_id_free(parsed.number, request.user)  # names nobody outside the area
                except ValidationError as exc:
                    raise ValidationError(exc.message_dict["id_number"]) from None
                self.instance.sex, self.instance.birth_date = parsed.sex, parsed.birth_date
                return parsed.number

        return WithIdNumber

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            if isinstance(instance, CategoryHolding) and instance.recorded_by_id is None:
                instance.recorded_by = request.user
            instance.save()
        formset.save_m2m()


@admin.register(Household)
class HouseholdAdmin(AreaScopedAdmin, SimpleHistoryAdmin):
    person_path = "head_id"  # a household without a head is logged as household:<id>
    list_display = ("number", "head", "village", "poverty_cause")
    list_filter = ("poverty_cause",)
    search_fields = ("number", "head__name")
    autocomplete_fields = ("village", "head")
    list_select_related = ("village", "head")


@admin.register(Category)
class CategoryAdmin(SharedDataAdmin, ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [CategoryResource]
    list_display = ("code", "name", "source", "ledger_column", "order")
    list_filter = ("source",)
    search_fields = ("code", "name")


@admin.register(Insurance)
class InsuranceAdmin(SharedDataAdmin, SimpleHistoryAdmin):
    list_display = ("code", "name")


@admin.register(CategoryHolding)
class CategoryHoldingAdmin(AreaScopedAdmin, SimpleHistoryAdmin):
    area_lookup = "beneficiary__village__code"
    person_path = "beneficiary_id"
    list_display = ("beneficiary", "category", "source", "start", "end", "recorded_by")
    list_filter = ("category", "source")
    search_fields = ("beneficiary__name", "=beneficiary__id_number")
    autocomplete_fields = ("beneficiary",)
    readonly_fields = ("recorded_by",)
    list_select_related = ("beneficiary", "category", "recorded_by")
    date_hierarchy = "start"

    def save_model(self, request, obj, form, change):
        if obj.recorded_by_id is None:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Enrollment)
class EnrollmentAdmin(AreaScopedAdmin, SimpleHistoryAdmin):
    area_lookup = "beneficiary__village__code"
    person_path = "beneficiary_id"
    list_display = ("beneficiary", "year", "insurance", "status", "subsidy", "reason")
    list_filter = ("year", "insurance", "status", "reason")
    search_fields = ("beneficiary__name", "=beneficiary__id_number")
    autocomplete_fields = ("beneficiary",)
    readonly_fields = ("recorded_by",)
    list_select_related = ("beneficiary", "insurance")

    def save_model(self, request, obj, form, change):
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


class PersonRowAdmin(AreaScopedAdmin, ReadOnly, SimpleHistoryAdmin):
    """The records the apps above the registry (health, employment) keep about one person (``person``): read-only,
    in the person's area, and each full record opened goes to the access log."""

    area_lookup = "person__village__code"
    person_path = "person_id"
    search_fields = ("person__name", "=person__id_number")
    list_select_related = ("person",)
