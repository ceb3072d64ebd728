from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from import_export import fields, resources, widgets
from import_export.admin import ImportExportModelAdmin

from accounts.adminscope import AreaScopedAdmin, SharedDataAdmin
from beneficiaries.models import Category
from rosters.models import CategoryAlias, RosterBatch


class CategoryAliasResource(resources.ModelResource):
    alias = fields.Field(attribute="alias", column_name="名单中的写法")
    category = fields.Field(
        attribute="category", column_name="类别代码", widget=widgets.ForeignKeyWidget(Category, field="code")
    )

    class Meta:
        model = CategoryAlias
        fields = ("alias", "category")
        import_id_fields = ("alias",)
        clean_model_instances = True
        skip_unchanged = True


@admin.register(CategoryAlias)
class CategoryAliasAdmin(SharedDataAdmin, ImportExportModelAdmin):
    resource_classes = [CategoryAliasResource]
    list_display = ["alias", "category"]
    list_filter = ["category"]
    search_fields = ["alias", "category__name", "category__code"]
    list_select_related = ["category"]


@admin.register(RosterBatch)
class RosterBatchAdmin(AreaScopedAdmin):
    """Batches are written only by the comparison; the admin lists them and links to their page.

    Scoped like ``rosters.selectors.batches_visible_to``: batches whose area lies inside the user's.
    """

    area_lookup = "area_code"

    list_display = [
        "id",
        "source",
        "month",
        "area_code",
        "file_name",
        "status",
        "created_by",
        "applied_at",
        "page",
    ]
    list_filter = ["source", "status"]
    search_fields = ["file_name", "file_sha256"]
    list_select_related = ["created_by"]

    @admin.display(description="比对页面")
    def page(self, batch):
        return format_html('<a href="{}">查看</a>', reverse("rosters:batch_detail", args=[batch.pk]))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
