"""The employment ledger in the admin site: read-only and limited to the user's area. It changes only through the
services (employment/services.py), which check the rules and record who changed what."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.adminscope import AreaScopedAdmin, ReadOnly
from beneficiaries.admin import PersonRowAdmin
from employment.models import ChildSurvey, FollowUpVisit, Placement, Support, SurveyBatch


@admin.register(SurveyBatch)
class SurveyBatchAdmin(AreaScopedAdmin, ReadOnly, SimpleHistoryAdmin):
    area_lookup = "area__code"
    list_display = ("id", "filename", "area", "status", "created_by", "created_at", "applied_at")
    list_filter = ("status",)


@admin.register(ChildSurvey)
class ChildSurveyAdmin(PersonRowAdmin):
    list_display = ("person", "year", "school", "level", "major", "graduation_year", "surveyed_on")
    list_filter = ("year", "level")


@admin.register(Placement)
class PlacementAdmin(PersonRowAdmin):
    list_display = ("person", "kind", "employer", "starts_on", "ends_on")
    list_filter = ("kind",)
    date_hierarchy = "starts_on"


@admin.register(Support)
class SupportAdmin(PersonRowAdmin):
    list_display = ("person", "kind", "given_on", "amount", "provider", "voided_on")
    list_filter = ("kind",)


@admin.register(FollowUpVisit)
class FollowUpVisitAdmin(AreaScopedAdmin, ReadOnly, SimpleHistoryAdmin):
    area_lookup = "placement__person__village__code"
    person_path = "placement.person_id"
    list_display = ("placement", "visited_on", "visitor", "status")
    list_filter = ("status",)
    search_fields = ("placement__person__name", "=placement__person__id_number")
    list_select_related = ("placement__person",)
