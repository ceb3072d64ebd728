"""The health records in the admin site: read-only and limited to the user's area. They change only through the
services (health/services.py), which check the rules and record who changed what; the list of diseases is kept on
its own page (救治病种) by an administrator, for the same reason."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.adminscope import AreaScopedAdmin, ReadOnly, SharedDataAdmin
from beneficiaries.admin import PersonRowAdmin
from health.models import (
    ContractBatch,
    Disease,
    DoctorContract,
    HealthCard,
    HealthRecord,
    TreatmentCase,
    TwoDiseaseRecognition,
)


@admin.register(ContractBatch)
class ContractBatchAdmin(AreaScopedAdmin, ReadOnly, SimpleHistoryAdmin):
    area_lookup = "area__code"
    list_display = ("id", "filename", "area", "status", "created_by", "created_at", "applied_at")
    list_filter = ("status",)


@admin.register(DoctorContract)
class DoctorContractAdmin(AreaScopedAdmin, ReadOnly, SimpleHistoryAdmin):
    area_lookup = "household__village__code"
    person_path = "household.head_id"
    list_display = ("household", "team", "doctor", "clinic", "package", "starts_on", "ends_on", "ended_on")
    list_filter = ("package",)
    search_fields = ("=household__number", "doctor", "team", "clinic")
    list_select_related = ("household",)
    date_hierarchy = "starts_on"


@admin.register(HealthRecord)
class HealthRecordAdmin(PersonRowAdmin):
    list_display = ("number", "person", "established_on", "institution")


@admin.register(HealthCard)
class HealthCardAdmin(PersonRowAdmin):
    list_display = ("number", "person", "issued_on", "handed_over_by", "revoked_on")


@admin.register(TreatmentCase)
class TreatmentCaseAdmin(PersonRowAdmin):
    list_display = ("person", "disease", "treatment_class", "institution", "status", "status_on")
    list_filter = ("status", "treatment_class", "disease")
    list_select_related = ("person", "disease")


@admin.register(TwoDiseaseRecognition)
class TwoDiseaseRecognitionAdmin(PersonRowAdmin):
    list_display = ("person", "disease", "recognised_on", "recognised_by", "withdrawn_on")
    list_filter = ("disease",)


@admin.register(Disease)
class DiseaseAdmin(SharedDataAdmin, ReadOnly, SimpleHistoryAdmin):
    list_display = ("order", "name", "kind", "special", "icd_codes", "active")
    list_filter = ("kind", "special", "active")
    search_fields = ("name", "code")
