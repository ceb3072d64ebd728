from django.contrib import admin
from import_export import fields, resources
from import_export.admin import ImportExportModelAdmin

from accounts.adminscope import AreaScopedAdmin
from regions.codes import canonical, level_of, parent_candidates
from regions.models import Region


class RegionResource(resources.ModelResource):
    code = fields.Field(attribute="code", column_name="区划代码")
    name = fields.Field(attribute="name", column_name="名称")

    class Meta:
        model = Region
        fields = ("code", "name")
        import_id_fields = ("code",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def before_import_row(self, row, **kwargs):
        row["区划代码"] = canonical(row.get("区划代码"))

    def import_instance(self, instance, row, **kwargs):
        # Level and parent follow from the code; set before the row is validated, which needs them.
        super().import_instance(instance, row, **kwargs)
        instance.level = level_of(instance.code)
        parents = parent_candidates(instance.code)
        instance.parent_id = next((c for c in parents if Region.objects.filter(code=c).exists()), None)
        if parents and instance.parent_id is None:
            raise ValueError(f"{instance.code} 的上级区划 {parents[0]} 不存在，请先导入上级。")


@admin.register(Region)
class RegionAdmin(AreaScopedAdmin, ImportExportModelAdmin):
    """Regions inside the user's area: a township administrator adds and renames only its own villages."""

    area_lookup = "code"
    resource_classes = [RegionResource]
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    readonly_fields = ("level", "parent")
    list_per_page = 50
