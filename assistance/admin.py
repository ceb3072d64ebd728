from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.adminscope import SharedDataAdmin
from assistance.models import Expert, Fund, FundYear
from assistance.services import fund_year_set


@admin.register(Fund)
class FundAdmin(SharedDataAdmin, SimpleHistoryAdmin):
    list_display = ("name", "code", "region", "kind", "carries_over", "warn_at", "grants_per_year", "amount_per_year")
    list_filter = ("kind", "carries_over")
    search_fields = ("name", "code")
    autocomplete_fields = ("region",)


@admin.register(FundYear)
class FundYearAdmin(SharedDataAdmin, SimpleHistoryAdmin):
    list_display = ("fund", "year", "budget")
    list_filter = ("year", "fund")

    def get_readonly_fields(self, request, obj=None):
        return ("fund", "year") if obj else ()

    def save_model(self, request, obj, form, change):
        fund_year_set(user=request.user, fund=obj.fund, year=obj.year, budget=obj.budget)


@admin.register(Expert)
class ExpertAdmin(SharedDataAdmin, SimpleHistoryAdmin):
    """The county's medical expert pool (医疗专家库): an expert leaves it by being marked not 在库, never deleted,
    since past draws name them."""

    list_display = ("name", "unit", "specialty", "region", "active")
    list_filter = ("active", "region")
    search_fields = ("name", "unit", "specialty")
    autocomplete_fields = ("region",)

    def has_delete_permission(self, request, obj=None):
        return False
