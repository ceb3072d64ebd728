"""The project library in the admin site: read-only and limited to the user's area. It changes only through the
services (projects/services.py), which check the rules and record who changed what; an attachment's file is served
by the project page's download, which checks the area, never as a media URL."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.adminscope import AreaScopedAdmin, ReadOnly
from projects.models import Attachment, Funding, Income, Participation, ParticipationBatch, Project


@admin.register(ParticipationBatch)
class ParticipationBatchAdmin(AreaScopedAdmin, ReadOnly, SimpleHistoryAdmin):
    area_lookup = "area__code"
    list_display = ("id", "filename", "area", "status", "created_by", "created_at", "applied_at")
    list_filter = ("status",)
    exclude = ("file",)


@admin.register(Project)
class ProjectAdmin(AreaScopedAdmin, ReadOnly, SimpleHistoryAdmin):
    area_lookup = "area__code"
    list_display = ("code", "name", "kind", "area", "lead_department", "status", "status_on")
    list_filter = ("kind", "status")
    search_fields = ("=code", "name", "lead_department")
    list_select_related = ("area",)


class ProjectRowAdmin(AreaScopedAdmin, ReadOnly, SimpleHistoryAdmin):
    area_lookup = "project__area__code"
    search_fields = ("=project__code", "project__name")
    list_select_related = ("project",)


@admin.register(Funding)
class FundingAdmin(ProjectRowAdmin):
    list_display = ("project", "source", "amount", "arrived_on", "note")
    list_filter = ("source",)


@admin.register(Attachment)
class AttachmentAdmin(ProjectRowAdmin):
    list_display = ("project", "title", "file_sha256", "uploaded_by", "uploaded_at")
    exclude = ("file",)


@admin.register(Participation)
class ParticipationAdmin(AreaScopedAdmin, ReadOnly, SimpleHistoryAdmin):
    area_lookup = "person__village__code"
    person_path = "person_id"
    list_display = ("person", "project", "role", "starts_on", "ends_on")
    list_filter = ("role",)
    search_fields = ("person__name", "=person__id_number", "=project__code")
    list_select_related = ("person", "project")


@admin.register(Income)
class IncomeAdmin(AreaScopedAdmin, ReadOnly, SimpleHistoryAdmin):
    area_lookup = "participation__person__village__code"
    person_path = "participation.person_id"
    list_display = ("participation", "received_on", "amount", "note")
    search_fields = ("participation__person__name", "=participation__person__id_number")
    list_select_related = ("participation__person", "participation__project")
