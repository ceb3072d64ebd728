"""The admin site does not cross areas: a township administrator (admin of township A) can neither see
nor change anything of township B through any admin URL, history pages included; opening people's
records and exporting from the admin are written to the access log; exports neutralise formulas.

The walk is generated from ``admin.site._registry`` and each admin's own URL patterns, so a newly
registered model (or a new admin URL) is walked without editing this file; a new model must also be
classified below (area-bound or shared), which ``test_every_registered_model_is_classified`` asks for.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote_plus

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from axes.models import AccessLog as AxesAccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import quote, unquote
from django.db.models.fields.files import FieldFile
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from import_export import resources
from openpyxl import load_workbook

from accounts.admin import admin_scoping_check
from accounts.adminscope import AreaScopedAdmin, ScopedAdminBase, ScopedChoicesMixin, SharedDataAdmin
from accounts.models import AccessLog, Role, User
from accounts.services import system_user
from api.models import Partner, PartnerCall, Scope
from api.services import partner_save
from beneficiaries.models import Beneficiary, Category, CategoryHolding, Enrollment, Household, Insurance
from claims.models import Adjustment, Claim, Hospital, Settlement
from employment.models import ChildSurvey, FollowUpVisit, Placement, Support, SurveyBatch
from health.models import (
    ContractBatch,
    Disease,
    DoctorContract,
    HealthCard,
    HealthRecord,
    TreatmentCase,
    TwoDiseaseRecognition,
)
from policies.models import Policy, PolicyVersion
from projects.models import Attachment, Funding, Income, Participation, ParticipationBatch, Project
from rosters.models import RosterBatch
from spreadsheets.import_formats import Spreadsheet
from tests.conftest import PASSWORD, make_id_number

# Registered models whose rows are the county's shared reference data: read by everyone, changed only
# from a county-wide (or wider) area. Every other registered model is area-bound.
SHARED = {
    "beneficiaries.category",
    "beneficiaries.insurance",
    "rosters.categoryalias",
    "claims.hospital",
    "policies.policy",
    "policies.policyversion",
    "assistance.fund",
    "assistance.fundyear",
    "assistance.expert",
    "health.disease",
}
# Area-bound registered models and the row of township B that the walk attacks.
AREA_BOUND = {
    "accounts.user": "clerk",
    "accounts.accesslog": "access_log",
    "axes.accessattempt": "attempt",
    "axes.accesslog": "axes_log",
    "axes.accessfailurelog": "failure",
    "django_tasks_database.dbtaskresult": "task",
    "regions.region": "village",
    "beneficiaries.beneficiary": "person",
    "beneficiaries.household": "household",
    "beneficiaries.categoryholding": "holding",
    "beneficiaries.enrollment": "enrollment",
    "claims.claim": "claim",
    "claims.settlement": "settlement",
    "claims.adjustment": "adjustment",
    "rosters.rosterbatch": "batch",
    "api.partner": "partner",
    "api.partnercall": "partner_call",
    "health.contractbatch": "contract_batch",
    "health.doctorcontract": "contract",
    "health.healthrecord": "health_record",
    "health.healthcard": "health_card",
    "health.treatmentcase": "treatment_case",
    "health.twodiseaserecognition": "recognition",
    "employment.surveybatch": "survey_batch",
    "employment.childsurvey": "survey",
    "employment.placement": "placement",
    "employment.support": "support",
    "employment.followupvisit": "visit",
    "projects.participationbatch": "participation_batch",
    "projects.project": "project",
    "projects.funding": "funding",
    "projects.attachment": "attachment",
    "projects.participation": "participation",
    "projects.income": "income",
}

B_NAME = "白秘密"
B_PHONE = "13911112222"
B_CLERK_PHONE = "13733334444"
B_AGENT = "B-agent-Zq9"


def registry():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label_lower)


def make_people_rows(village, *, name, phone, household_number, clerk, hospital, version, note):
    """A person of ``village`` with a household, a holding, an enrollment and a settled, adjusted bill."""
    person = Beneficiary.objects.create(
        name=name, id_number=make_id_number(), sex="M", birth_date=datetime.date(1960, 5, 4), village=village,
        phone=phone,
    )
    household = Household.objects.create(number=household_number, village=village, head=person,
                                         address=f"{note}住址", phone=phone)
    person.household = household
    person.relation = "head"
    person.save()
    holding = CategoryHolding.objects.create(beneficiary=person, category=Category.objects.get(code="poor"),
                                             source="other", start=datetime.date(2020, 1, 1), note=note)
    enrollment = Enrollment.objects.create(beneficiary=person, year=2026, insurance=Insurance.objects.first(),
                                           status="enrolled", subsidy=Decimal("180.00"), note=note)
    claim = Claim.objects.create(
        beneficiary=person, hospital=hospital, visit_type="inpatient",
        discharged_on=datetime.date(2026, 3, 1),
        diagnoses=[{"code": "I10.x00", "name": f"{note}诊断"}], total=Decimal("1000.00"),
        in_catalog=Decimal("800.00"), entered_by=clerk,
    )
    money = {f: Decimal("0.00") for f in ("basic", "critical", "assistance", "other", "in_catalog_personal")}
    settlement = Settlement.objects.create(claim=claim, policy_version=version, total=Decimal("1000.00"),
                                           personal=Decimal("1000.00"), settled_by=clerk, **money)
    adjustment = Adjustment.objects.create(claim=claim, settlement=settlement, layer="basic",
                                           name=f"{note}层次", fund="basic", before=Decimal("0.00"),
                                           after=Decimal("10.00"), kind="top_up", created_by=clerk)
    return {"person": person, "household": household, "holding": holding, "enrollment": enrollment,
            "claim": claim, "settlement": settlement, "adjustment": adjustment}


def health_rows(b: dict, township, clerk) -> dict:
    """Township B's health records: a contract from a contract list, a health record and card, a case and a
    两病 recognition of its person."""
    person, day = b["person"], datetime.date(2026, 3, 1)
    batch = ContractBatch.objects.create(filename="麻旺镇秘密签约名单.xlsx", area=township, created_by=clerk)
    contract = DoctorContract.objects.create(
        household=b["household"], team="B乡备注团队", doctor="白经办", clinic=f"{township.name}卫生院", package="基础包",
        signed_on=day, starts_on=day, ends_on=datetime.date(2027, 2, 28), batch=batch, recorded_by=clerk)
    common = {"person": person, "recorded_by": clerk}
    return {
        "contract_batch": batch, "contract": contract,
        "health_record": HealthRecord.objects.create(number="DA-B-7788", established_on=day, **common),
        "health_card": HealthCard.objects.create(number="HC-B-7788", issued_on=day, handed_over_by="白经办", **common),
        "treatment_case": TreatmentCase.objects.create(
            disease=Disease.objects.get(code="end_stage_renal"), treatment_class="inpatient_maintenance",
            institution="B乡备注医院", registered_on=day, status_on=day, **common),
        "recognition": TwoDiseaseRecognition.objects.create(
            disease="hypertension", recognised_on=day, recognised_by="B乡备注卫生院", evidence="B乡备注诊断",
            holding=b["holding"], **common),
    }


def relief_rows(b: dict, township, clerk) -> dict:
    """Township B's employment and project records: a survey from a survey list, a placement, support and a visit
    of its person; a project of the township with money, a document, and its person taking part with an income."""
    person, day = b["person"], datetime.date(2026, 3, 1)
    survey_batch = SurveyBatch.objects.create(filename="麻旺镇秘密摸排表.xlsx", area=township, created_by=clerk)
    placement = Placement.objects.create(person=person, kind="enterprise", employer="B乡备注企业", starts_on=day,
                                         recorded_by=clerk)
    list_batch = ParticipationBatch.objects.create(filename="麻旺镇秘密参与名单.xlsx", area=township,
                                                   created_by=clerk)
    project = Project.objects.create(code="B-7788", name="B乡备注项目", kind="farming", area=township,
                                     lead_department="B乡备注部门", status_on=day, recorded_by=clerk)
    participation = Participation.objects.create(project=project, person=person, role="grower", starts_on=day,
                                                 batch=list_batch, recorded_by=clerk)
    return {
        "survey_batch": survey_batch, "placement": placement,
        "survey": ChildSurvey.objects.create(
            person=person, year=2026, school="B乡备注学校", level="secondary_vocational", graduation_year=2025,
            surveyed_on=day, surveyed_by="白经办", batch=survey_batch, recorded_by=clerk),
        "support": Support.objects.create(person=person, kind="subsidy", given_on=day, amount=Decimal("1000.00"),
                                          provider="B乡备注就业中心", recorded_by=clerk),
        "visit": FollowUpVisit.objects.create(placement=placement, visited_on=day, visitor="白经办", status="stable",
                                              difficulties="B乡备注困难", recorded_by=clerk),
        "participation_batch": list_batch, "project": project, "participation": participation,
        "funding": Funding.objects.create(project=project, source="central", amount=Decimal("80000.00"),
                                          arrived_on=day, note="B乡备注资金", recorded_by=clerk),
        "attachment": Attachment.objects.create(project=project, title="B乡备注实施方案",
                                                file="projects/attachments/b.pdf", file_sha256="e" * 64,
                                                uploaded_by=clerk),
        "income": Income.objects.create(participation=participation, received_on=day, amount=Decimal("500.00"),
                                        note="B乡备注收入", recorded_by=clerk),
    }


class World:
    """Rows of both townships; ``b`` maps each area-bound model to its row of township B."""

    def __init__(self, a: dict, b: dict, shared: dict, markers: list[str], search_terms: list[str]):
        self.a, self.b, self.shared, self.markers, self.search_terms = a, b, shared, markers, search_terms

    def target(self, label: str):
        return self.b[AREA_BOUND[label]] if label in AREA_BOUND else self.shared[label]


@pytest.fixture
def world(admin_a, township_a, township_b, village_a, village_b, clerk_a):
    clerk_b = User(username="clerk_b_secret", first_name="白经办", role=Role.CLERK, area=township_b,
                   phone=B_CLERK_PHONE)
    clerk_b.set_password(PASSWORD)
    clerk_b.save()
    hospital = Hospital.objects.create(name="县人民医院", level="county")
    policy = Policy.objects.create(code="walk-2026", name="测试政策", region_code="500242", year=2026)
    version = PolicyVersion.objects.create(policy=policy, number=1, document={}, digest="0" * 64)
    a = make_people_rows(village_a, name="田小红", phone="13800000001", household_number="HA-0001",
                         clerk=clerk_a, hospital=hospital, version=version, note="A乡")
    b = make_people_rows(village_b, name=B_NAME, phone=B_PHONE, household_number="HB-7788",
                         clerk=clerk_b, hospital=hospital, version=version, note="B乡备注")
    b["clerk"] = clerk_b
    b["village"] = village_b
    b["access_log"] = AccessLog.objects.create(user=clerk_b, action=AccessLog.Action.VIEW_PERSON,
                                               object_id=str(b["person"].pk), detail=f"查看 {B_NAME}")
    axes_fields = {"username": clerk_b.username, "user_agent": B_AGENT, "ip_address": "10.0.0.2",
                   "http_accept": "*/*", "path_info": "/login/"}
    b["attempt"] = AccessAttempt.objects.create(get_data="", post_data=f"username={clerk_b.username}",
                                                failures_since_start=2, **axes_fields)
    b["axes_log"] = AxesAccessLog.objects.create(**axes_fields)
    b["failure"] = AccessFailureLog.objects.create(**axes_fields)
    b["task"] = DBTaskResult.objects.create(
        id=uuid.uuid4(), args_kwargs={"args": [B_NAME, b["person"].id_number], "kwargs": {}},
        task_path="rosters.tasks.preview_roster_batch", backend_name="default", run_after=timezone.now(),
        exception_class_path="", traceback=f"ValidationError: {B_NAME}",
    )
    b["batch"] = RosterBatch.objects.create(source="civil_affairs", month=datetime.date(2026, 3, 1),
                                            area_code=township_b.code, file_name="麻旺镇秘密名单.xlsx",
                                            file_sha256="f" * 64, created_by=clerk_b)
    b["partner"] = partner_save(actor=system_user(), partner=Partner(
        name=f"{township_b.name}卫生院系统", kind=Partner.Kind.HOSPITAL, area=township_b, scopes=[Scope.READ_PEOPLE],
        contact=f"白经办 {B_CLERK_PHONE}")).partner
    b["partner_call"] = PartnerCall.objects.create(
        partner=b["partner"], key_prefix=b["partner"].key_prefix, method="GET",
        endpoint="/api/v1/people/<str:id_number>/", area=village_b.code, status=200, outcome=PartnerCall.Outcome.OK,
        counts={"people": 1}, detail=f"查看 {B_NAME}")
    b |= health_rows(b, township_b, clerk_b)
    b |= relief_rows(b, township_b, clerk_b)
    shared = {
        "beneficiaries.category": Category.objects.get(code="poor"),
        "beneficiaries.insurance": Insurance.objects.first(),
        "rosters.categoryalias": apps.get_model("rosters", "CategoryAlias").objects.first(),
        "claims.hospital": hospital,
        "policies.policy": policy,
        "policies.policyversion": version,
    }
    fund = apps.get_model("assistance", "Fund").objects.create(
        code="hardship", name="卫生医疗困难救助基金", kind="grants", region=township_a.parent)
    shared["assistance.fund"] = fund
    shared["assistance.fundyear"] = apps.get_model("assistance", "FundYear").objects.create(
        fund=fund, year=2026, budget=Decimal("1000.00"))
    shared["health.disease"] = Disease.objects.get(code="end_stage_renal")
    shared["assistance.expert"] = apps.get_model("assistance", "Expert").objects.create(
        region=township_a.parent, name="专家甲", unit="县人民医院")
    for row in shared.values():
        row.save()  # seeded rows get a history record, so that their historical pages are walked too
    person_b = b["person"]
    markers = [B_NAME, person_b.id_number, B_PHONE, "HB-7788", "B乡备注", village_b.name, township_b.name,
               "白经办", B_CLERK_PHONE, clerk_b.username, B_AGENT, "麻旺镇秘密名单"]
    search_terms = [B_NAME, B_NAME[:2], person_b.id_number, "HB-7788", clerk_b.username, village_b.name,
                    township_b.code, "麻旺镇秘密名单.xlsx", B_AGENT, str(b["claim"].pk)]
    return World(a, b, shared, markers, search_terms)


# ---- helpers


def snapshot():
    """Every row of every table, except the access log (which the walk appends to) and sessions."""
    skip = {"accounts.accesslog", "sessions.session"}
    return {
        model._meta.label_lower: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_models()
        if model._meta.label_lower not in skip and model._meta.managed
    }


def changes(before, after):
    return sorted(label for label in before if before[label] != after[label])


def leaks(response, markers, echoed=()) -> list[str]:
    """Markers of township B in a response body, after removing what the request itself sent."""
    body = response.content.decode("utf-8", "replace")
    for text in sorted(echoed, key=len, reverse=True):
        if text:
            body = body.replace(text, "").replace(quote_plus(text), "").replace(json.dumps(text)[1:-1], "")
    return [m for m in markers if m in body]


def form_value(value):
    if value is None or isinstance(value, FieldFile):
        return ""
    if isinstance(value, (dict, list)) and any(isinstance(v, dict) for v in (value if isinstance(value, list)
                                                                            else [value])):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return [getattr(v, "pk", v) for v in value]
    return getattr(value, "pk", value)


def attack_payload(obj, world):
    """The object's own form data, its text changed and its area moved into township A."""
    data = {}
    for name, value in model_to_dict(obj).items():
        if isinstance(value, str) and name not in ("id_number", "code", "username", "password", "number"):
            value = f"{value}已被改写" if value else value
        data[name] = form_value(value)
    for name, replacement in (("village", world.a["person"].village_id), ("area", "500242100"),
                              ("beneficiary", world.a["person"].pk), ("household", world.a["household"].pk),
                              ("head", world.a["person"].pk)):
        if name in data:
            data[name] = replacement
    return data


ADD_ATTACKS = {
    # New rows inside township B, each otherwise valid.
    "regions.region": lambda w: {"code": "500242101299", "name": "新建村"},
    "beneficiaries.beneficiary": lambda w: {"name": "外乡人", "id_number": make_id_number(),
                                            "village": w.b["village"].code, "status": "active",
                                            "holdings-TOTAL_FORMS": "0", "holdings-INITIAL_FORMS": "0",
                                            "enrollments-TOTAL_FORMS": "0", "enrollments-INITIAL_FORMS": "0"},
    "beneficiaries.household": lambda w: {"number": "HB-NEW", "village": w.b["village"].code},
    "beneficiaries.categoryholding": lambda w: {"beneficiary": w.b["person"].pk, "category": w.shared[
        "beneficiaries.category"].pk, "source": "other", "start": "2026-01-01"},
    "beneficiaries.enrollment": lambda w: {"beneficiary": w.b["person"].pk, "year": "2025",
                                           "status": "enrolled", "subsidy": "1",
                                           "insurance": w.shared["beneficiaries.insurance"].pk},
    "accounts.user": lambda w: {"username": "b_new_admin", "first_name": "新", "role": "admin",
                                "area": w.b["village"].parent_id, "password1": "Another-pass-2026",
                                "password2": "Another-pass-2026"},
}


def csv_bytes(rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def import_attack_file(model_admin, obj):
    """The row of ``obj`` as the admin's import would read it, its text changed: re-import to rename."""
    resource_class = model_admin.get_import_resource_classes(RequestFactory().get("/"))[0]
    resource = resource_class.__mro__[1]()  # the project's resource, unscoped, to read the row as it is
    fields = resource.get_import_fields()
    row = []
    for field in fields:
        value = field.export(obj)
        if isinstance(value, str) and field.attribute in ("name", "first_name", "alias"):
            value = "冒名改写"
        row.append("" if value is None else str(value))
    return csv_bytes([[f.column_name for f in fields], row])


def csv_format_index(formats) -> int:
    """The csv export format; for imports, the one format (the bounded reader, which reads csv too)."""
    return next(i for i, f in enumerate(formats) if f().get_extension() == "csv" or f is Spreadsheet)


def autocomplete_source(model):
    """Some relation field (of any model) pointing to ``model``, for the autocomplete endpoint."""
    for source in apps.get_models():
        for field in source._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model is model:
                return source, field
    return None, None


# ---- the walk


def test_every_registered_model_is_classified():
    labels = {model._meta.label_lower for model, _ in registry()}
    assert labels - SHARED - set(AREA_BOUND) == set(), "classify the new admin model as area-bound or shared"
    for model, model_admin in registry():
        label = model._meta.label_lower
        assert isinstance(model_admin, SharedDataAdmin) == (label in SHARED), label


def test_the_admin_scoping_check_passes():
    assert admin_scoping_check() == []


def test_the_admin_scoping_check_refuses_an_unscoped_admin():
    class Plain(admin.ModelAdmin):
        pass

    site_registry = admin.site._registry
    site_registry[Policy], saved = Plain(Policy, admin.site), site_registry[Policy]
    try:
        assert [e.id for e in admin_scoping_check()] == ["accounts.E001"]
    finally:
        site_registry[Policy] = saved


def walk(client, user, world, only=None) -> list[str]:
    """Every named URL of every registered admin (or of the ``only`` labels), GET and POST, against
    township B's row (for shared tables: a shared row), plus the object pages of township A's own row
    (whose selects must not offer B). Returns what went wrong: B's row answering anything but 403/404,
    a marker of B in any answer, a row of B listed or offered, any change in any table."""
    problems: list[str] = []

    def check(label, method, url, response, *, echoed=(), b_object_page=False):
        if b_object_page and label in AREA_BOUND and response.status_code not in (403, 404):
            problems.append(f"{method} {url}: answered {response.status_code} for township B's row")
        found = leaks(response, world.markers, echoed)
        if found:
            problems.append(f"{method} {url}: shows {found}")

    for model, model_admin in registry():
        label = model._meta.label_lower
        if only and label not in only:
            continue
        target = world.target(label)
        own = world.a.get(AREA_BOUND.get(label))
        manager = getattr(model._meta, "simple_history_manager_attribute", None)
        before = snapshot()

        for pattern in model_admin.urls:
            if not pattern.name:
                continue
            groups = pattern.pattern.regex.groups
            kind = pattern.name.rsplit("_", 1)[-1]
            if groups:
                for row, whose in ((target, "B"), (own, "A")):
                    if row is None or (whose == "A" and label not in AREA_BOUND):
                        continue
                    history_id = getattr(row, manager).latest().history_id if manager else None
                    args = [quote(str(row.pk)), history_id][:groups]
                    if None in args:
                        continue
                    url = reverse(f"admin:{pattern.name}", args=args)
                    check(label, "GET", url, client.get(url), b_object_page=whose == "B")
                    if whose == "A":
                        continue  # township A's own rows are only looked at
                    if kind == "delete":
                        payload = {"post": "yes"}
                    elif "password" in url:
                        payload = {"password1": "Taken-over-2026", "password2": "Taken-over-2026"}
                    else:
                        payload = attack_payload(target, world)
                    check(label, "POST", url, client.post(url, payload), b_object_page=True)
                continue

            url = reverse(f"admin:{pattern.name}")
            check(label, "GET", url, client.get(url))
            if kind == "changelist":
                for term in world.search_terms:
                    response = client.get(url, {"q": term})
                    check(label, "GET", f"{url}?q={term}", response, echoed=[term])
                    if response.status_code == 200 and label in AREA_BOUND:
                        if target.pk in {row.pk for row in response.context["cl"].result_list}:
                            problems.append(f"GET {url}?q={term}: lists township B's row")
                for action in model_admin.get_actions(_request(user)):
                    response = client.post(url, {"action": action, "_selected_action": [str(target.pk)],
                                                 "index": "0", "post": "yes"})
                    check(label, "POST", f"{url} action={action}", response)
            elif kind == "import":
                upload = io.BytesIO(import_attack_file(model_admin, target))
                upload.name = "attack.csv"
                index = csv_format_index(model_admin.get_import_formats())
                response = client.post(url, {"format": str(index), "resource": "0", "import_file": upload})
                sent = [cell for row in csv.reader(io.StringIO(upload.getvalue().decode())) for cell in row]
                check(label, "POST", url, response, echoed=sent)
                confirm = response.context.get("confirm_form") if response.context else None
                if confirm is not None:
                    response = client.post(url.replace("/import/", "/process_import/"), confirm.initial)
                    check(label, "POST", f"{url} confirmed", response)
            elif kind == "export":
                page = client.get(url)
                if page.status_code == 200:
                    form = page.context["form"]
                    data = {name: "on" for name, field in form.fields.items()
                            if field.widget.input_type == "checkbox"}
                    index = csv_format_index(model_admin.get_export_formats())
                    data |= {"format": str(index), "resource": "0"}
                    for extra in ({}, {"export_items": [str(target.pk)]}):
                        check(label, "POST", f"{url} {extra}", client.post(url, data | extra))
            elif kind == "add":
                payload = ADD_ATTACKS.get(label, lambda w: attack_payload(target, w))(world)
                check(label, "POST", url, client.post(url, payload))
            else:
                check(label, "POST", url, client.post(url, {}))

        source, field = autocomplete_source(model)
        if source is not None:
            for term in ["", *world.search_terms]:
                response = client.get(reverse("admin:autocomplete"), {
                    "term": term, "app_label": source._meta.app_label, "model_name": source._meta.model_name,
                    "field_name": field.name})
                check(label, "GET", f"autocomplete {source._meta.label}.{field.name} {term!r}", response)
                if response.status_code == 200 and label in AREA_BOUND and \
                        str(target.pk) in {r["id"] for r in response.json()["results"]}:
                    problems.append(f"autocomplete {source._meta.label}.{field.name} offers township B's row")

        changed = changes(before, snapshot())
        if changed:
            problems.append(f"walking {label} changed {changed}")

    b_people = {str(world.b["person"].pk)}
    opened = AccessLog.objects.filter(user=user, action=AccessLog.Action.VIEW_PERSON, object_id__in=b_people)
    if opened.exists():
        problems.append("opened a record of township B's person")
    return problems


def test_no_admin_url_shows_or_changes_another_townships_rows(client, admin_a, world):
    """The walk over every registered admin, as the administrator of township A: nothing to report."""
    client.force_login(admin_a)
    assert walk(client, admin_a, world) == []


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_the_index_does_not_offer_records_outside_every_area(client, admin_a, county_admin, world):
    client.force_login(admin_a)
    page = client.get(reverse("admin:index"))
    assert page.status_code == 200 and leaks(page, world.markers) == []
    models = {m["object_name"] for app in page.context["app_list"] for m in app["models"]}
    assert "DBTaskResult" not in models and "Group" not in models and "Beneficiary" in models
    assert client.get(reverse("admin:django_tasks_database_dbtaskresult_changelist")).status_code == 403


def _unscoped_object(self, request, object_id):
    return self.model._default_manager.get(pk=unquote(object_id))


def _unscoped_choices(self, db, db_field, request):
    return super(ScopedChoicesMixin, self).get_field_queryset(db, db_field, request)


def _everywhere(self, request, obj):
    return True


NO_OBJECT_SCOPE = [(ScopedAdminBase, "_scoped_object", _unscoped_object),
                   (AreaScopedAdmin, "in_area", _everywhere)]


@pytest.mark.parametrize("label, patches, expected", [
    # The reported holes, put back one at a time (each protection has a second layer, removed too):
    # the walk reports each. (Views are bound when the URLconf loads, so the patches reach inside them.)
    ("beneficiaries.beneficiary", NO_OBJECT_SCOPE, "/history/: answered 200"),
    ("beneficiaries.household", [*NO_OBJECT_SCOPE, (ScopedAdminBase, "history_revert_allowed", _everywhere)],
     "beneficiaries.household'"),
    ("claims.claim", [(ScopedChoicesMixin, "get_field_queryset", _unscoped_choices)], f"shows ['{B_NAME}'"),
    ("regions.region", [(AreaScopedAdmin, "scope_queryset", lambda self, request, queryset: queryset)],
     "lists township B's row"),
], ids=["history-view", "history-revert", "choices", "region-scope"])
def test_the_walk_finds_each_hole_when_it_is_put_back(client, admin_a, world, monkeypatch, label, patches,
                                                      expected):
    for owner, name, replacement in patches:
        monkeypatch.setattr(owner, name, replacement)
    client.force_login(admin_a)
    problems = walk(client, admin_a, world, only={label})
    assert any(expected in problem for problem in problems), problems


# ---- the reported attack


def test_history_pages_of_another_townships_person_are_not_found(client, admin_a, world):
    client.force_login(admin_a)
    person = world.b["person"]
    record = person.history.latest()
    assert client.get(f"/admin/beneficiaries/beneficiary/{person.pk}/history/").status_code == 404
    response = client.get(f"/admin/beneficiaries/beneficiary/{person.pk}/history/{record.history_id}/")
    assert response.status_code == 404 and leaks(response, world.markers) == []


def test_reverting_through_the_history_form_is_refused(client, admin_a, world, village_a):
    """The tester's POST moved a person of B into A; now B's answers 404, and even A's own person cannot be
    reverted (a revert would skip the services' rules)."""
    client.force_login(admin_a)
    person_b, person_a = world.b["person"], world.a["person"]
    for person, status in ((person_b, 404), (person_a, 403)):
        record = person.history.earliest()
        response = client.post(f"/admin/beneficiaries/beneficiary/{person.pk}/history/{record.history_id}/", {
            "name": "被改名", "id_number": person.id_number, "village": village_a.code, "status": "active",
            "_change_history": "1"})
        assert response.status_code == status
        person.refresh_from_db()
        assert person.name != "被改名"
    assert world.b["person"].village_id != village_a.code


def test_the_history_form_of_a_bill_lists_only_people_of_the_area(client, admin_a, world):
    """The bill's historical form showed a select of the whole county's people."""
    client.force_login(admin_a)
    claim = world.a["claim"]
    record = claim.history.latest()
    response = client.get(f"/admin/claims/claim/{claim.pk}/history/{record.history_id}/")
    assert response.status_code == 200
    choices = {str(pk) for pk, _ in response.context["adminform"].form.fields["beneficiary"].choices if pk}
    assert choices == {str(world.a["person"].pk)}
    users = {str(pk) for pk, _ in response.context["adminform"].form.fields["entered_by"].choices if pk}
    assert str(world.b["clerk"].pk) not in users and users
    assert leaks(response, world.markers) == []


def test_a_person_cannot_be_moved_into_another_township_in_the_admin(client, admin_a, world):
    client.force_login(admin_a)
    person = world.a["person"]
    response = client.post(f"/admin/beneficiaries/beneficiary/{person.pk}/change/", {
        "name": person.name, "id_number": person.id_number, "village": world.b["village"].code,
        "status": "active", "holdings-TOTAL_FORMS": "0", "holdings-INITIAL_FORMS": "0",
        "enrollments-TOTAL_FORMS": "0", "enrollments-INITIAL_FORMS": "0"})
    assert response.status_code == 200 and "不在您的管辖区域内" in response.content.decode()
    person.refresh_from_db()
    assert person.village_id == world.a["person"].village_id


def test_a_township_administrator_cannot_rename_another_townships_village(client, admin_a, world):
    client.force_login(admin_a)
    village = world.b["village"]
    response = client.post(f"/admin/regions/region/{village.pk}/change/",
                           {"code": village.code, "name": "改名村"})
    assert response.status_code == 404
    village.refresh_from_db()
    assert village.name == "青龙村"
    own = world.a["person"].village
    response = client.post(f"/admin/regions/region/{own.pk}/change/", {"code": own.code, "name": "新名村"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.name == "新名村"


def test_region_import_cannot_rename_or_add_another_townships_villages(client, admin_a, world):
    client.force_login(admin_a)
    model_admin = admin.site._registry[world.b["village"].__class__]
    upload = io.BytesIO(csv_bytes([["区划代码", "名称"], [world.b["village"].code, "改名村"],
                                   ["500242101299", "新建村"]]))
    upload.name = "regions.csv"
    response = client.post("/admin/regions/region/import/", {
        "format": str(csv_format_index(model_admin.get_import_formats())), "resource": "0",
        "import_file": upload})
    assert response.status_code == 200
    assert "不在您的管辖区域内" in response.content.decode()
    assert response.context.get("confirm_form") is None
    world.b["village"].refresh_from_db()
    assert world.b["village"].name == "青龙村"
    assert not world.b["village"].__class__.objects.filter(code="500242101299").exists()


def test_shared_tables_are_read_only_below_the_county(client, admin_a, county_admin, world):
    hospital = world.shared["claims.hospital"]
    data = {name: form_value(value) for name, value in model_to_dict(hospital).items()} | {"name": "改名医院"}
    client.force_login(admin_a)
    assert client.get(f"/admin/claims/hospital/{hospital.pk}/change/").status_code == 200
    assert client.post(f"/admin/claims/hospital/{hospital.pk}/change/", data).status_code == 403
    assert client.get("/admin/claims/hospital/import/").status_code == 403
    assert client.get("/admin/beneficiaries/category/add/").status_code == 403
    hospital.refresh_from_db()
    assert hospital.name == "县人民医院"
    client.force_login(county_admin)
    assert client.post(f"/admin/claims/hospital/{hospital.pk}/change/", data).status_code == 302
    hospital.refresh_from_db()
    assert hospital.name == "改名医院"


def test_choices_in_admin_forms_stay_inside_the_area(client, admin_a, world):
    client.force_login(admin_a)
    response = client.get("/admin/beneficiaries/categoryholding/add/")
    assert response.status_code == 200
    beneficiary = response.context["adminform"].form.fields["beneficiary"]
    assert set(beneficiary.queryset) == {world.a["person"]}
    response = client.get("/admin/accounts/user/add/")
    assert all(code.startswith("500242100") for code in
               response.context["adminform"].form.fields["area"].queryset.values_list("code", flat=True))


# ---- access log

PERSON_ADMINS = sorted(label for label in AREA_BOUND if label.startswith(("beneficiaries.", "claims.")))


def test_every_person_related_admin_logs_its_records():
    """Any registered model that is a person or points to one (directly or through one more row) logs."""
    for model, model_admin in registry():
        related = {f.related_model for f in model._meta.get_fields() if f.is_relation and f.concrete}
        second = {f.related_model for r in related if r is not None for f in r._meta.get_fields()
                  if f.is_relation and f.concrete and r not in (User,)}
        about_people = model is Beneficiary or Beneficiary in related or Beneficiary in second
        assert (model_admin.person_path is not None) == about_people, model._meta.label


@pytest.mark.parametrize("label", PERSON_ADMINS)
def test_opening_a_person_related_record_in_the_admin_is_logged(client, admin_a, world, label):
    model = apps.get_model(label)
    obj = world.a[AREA_BOUND[label]]
    client.force_login(admin_a)
    urls = [(f"/admin/{model._meta.app_label}/{model._meta.model_name}/{obj.pk}/change/", "页")]
    if hasattr(model, "history"):
        record = obj.history.latest()
        urls += [(f"/admin/{model._meta.app_label}/{model._meta.model_name}/{obj.pk}/history/", "变更记录"),
                 (f"/admin/{model._meta.app_label}/{model._meta.model_name}/{obj.pk}/history/"
                  f"{record.history_id}/", f"历史版本 {record.history_id}")]
    for url, page in urls:
        assert client.get(url).status_code == 200, url
        log = AccessLog.objects.filter(user=admin_a).latest("id")
        assert (log.action, log.object_id) == (AccessLog.Action.VIEW_PERSON, str(world.a["person"].pk)), url
        assert log.detail.startswith(f"管理后台 {model._meta.verbose_name} #{obj.pk}")
        assert log.detail.endswith(page)
    assert AccessLog.objects.filter(user=admin_a, action=AccessLog.Action.VIEW_PERSON).count() == len(urls)


def test_lists_and_shared_records_are_not_logged_as_person_views(client, admin_a, world):
    client.force_login(admin_a)
    client.get("/admin/beneficiaries/beneficiary/")
    client.get(f"/admin/claims/hospital/{world.shared['claims.hospital'].pk}/change/")
    assert not AccessLog.objects.filter(user=admin_a, action=AccessLog.Action.VIEW_PERSON).exists()


EXPORTING = sorted(model._meta.label_lower for model, model_admin in registry()
                   if hasattr(model_admin, "export_action"))


@pytest.mark.parametrize("label", EXPORTING)
def test_every_admin_export_is_logged_with_its_row_count(client, county_admin, world, label):
    model = apps.get_model(label)
    model_admin = admin.site._registry[model]
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/export/"
    client.force_login(county_admin)
    form = client.get(url).context["form"]
    data = {name: "on" for name, field in form.fields.items() if field.widget.input_type == "checkbox"}
    data |= {"format": str(csv_format_index(model_admin.get_export_formats())), "resource": "0"}
    response = client.post(url, data)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
    assert rows, "the export must hold rows for the count to mean something"
    log = AccessLog.objects.get(user=county_admin, action=AccessLog.Action.EXPORT)
    assert (log.rows, log.object_id) == (len(rows), f"admin:{label}")


# ---- export escaping


def export_people(client, user, fmt_extension):
    model_admin = admin.site._registry[Beneficiary]
    formats = model_admin.get_export_formats()
    index = next(i for i, f in enumerate(formats) if f().get_extension() == fmt_extension)
    client.force_login(user)
    response = client.post("/admin/beneficiaries/beneficiary/export/", {
        "format": str(index), "resource": "0", "beneficiaryresource_name": "on",
        "beneficiaryresource_phone": "on", "beneficiaryresource_status": "on"})
    assert response.status_code == 200
    return response


@pytest.fixture
def formula_people(make_person, village_a):
    return [make_person(village_a, name="=1+2", phone="-5"),
            make_person(village_a, name="@SUM(A1)", phone="+86"),
            make_person(village_a, name="\t=cmd", phone="13800000000")]


def test_xlsx_export_keeps_formula_like_text_as_text(client, admin_a, formula_people):
    response = export_people(client, admin_a, "xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert set(rows) == {"'=1+2", "'@SUM(A1)", "'\t=cmd"}
    assert rows["'=1+2"][1].value == "'-5" and rows["'@SUM(A1)"][1].value == "'+86"
    assert rows["'\t=cmd"][1].value == "13800000000"
    assert all(cell.data_type == "s" for row in rows.values() for cell in row)


def test_csv_export_keeps_formula_like_text_as_text(client, admin_a, formula_people):
    response = export_people(client, admin_a, "csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(r[:2] for r in rows[1:]) == sorted([["'=1+2", "'-5"], ["'@SUM(A1)", "'+86"],
                                                      ["'\t=cmd", "13800000000"]])


class SubsidyResource(resources.ModelResource):
    class Meta:
        model = Enrollment
        fields = ("note", "subsidy", "year", "recorded_at")


@pytest.mark.parametrize("native", [True, False])
def test_numbers_and_dates_are_never_prefixed(admin_a, person_a, native):
    enrollment = Enrollment.objects.create(beneficiary=person_a, year=2026, status="enrolled",
                                           insurance=Insurance.objects.first(), subsidy=Decimal("-5.00"),
                                           note="-5")
    model_admin = admin.site._registry[Enrollment]
    resource = model_admin.scoped_resource_class(SubsidyResource, _request(admin_a))()
    dataset = resource.export(queryset=Enrollment.objects.filter(pk=enrollment.pk), force_native_type=native)
    note, subsidy, year, recorded_at = dataset[0]
    assert note == "'-5"
    if native:  # binary formats (xlsx): real numbers and dates
        assert (subsidy, year) == (Decimal("-5.00"), 2026) and isinstance(recorded_at, datetime.datetime)
    else:  # text formats: the number's own text, no apostrophe
        assert (subsidy, year) == ("-5.00", "2026") and not recorded_at.startswith("'")


def test_exports_do_not_use_the_librarys_stripping(settings):
    assert settings.IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT is False


def test_a_numeric_column_stays_numeric_in_an_admin_xlsx_export(client, county_admin):
    model_admin = admin.site._registry[Category]
    formats = model_admin.get_export_formats()
    client.force_login(county_admin)
    form = client.get("/admin/beneficiaries/category/export/").context["form"]
    data = {name: "on" for name, field in form.fields.items() if field.widget.input_type == "checkbox"}
    data |= {"format": str(next(i for i, f in enumerate(formats) if f().get_extension() == "xlsx")),
             "resource": "0"}
    response = client.post("/admin/beneficiaries/category/export/", data)
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    orders = [row[header.index("排序")].value for row in sheet.iter_rows(min_row=2)]
    assert orders and all(isinstance(v, int) for v in orders)



# ---- other choices


def test_a_list_filter_on_an_area_bound_relation_lists_only_the_area(client, admin_a, world, monkeypatch):
    monkeypatch.setattr(admin.site._registry[Household], "list_filter", ("village", "poverty_cause"))
    client.force_login(admin_a)
    response = client.get("/admin/beneficiaries/household/")
    assert response.status_code == 200
    assert world.a["household"].village.name in response.content.decode()
    assert leaks(response, world.markers) == []


def test_a_policy_is_saved_only_for_a_region_inside_the_users_area(client, county_admin):
    document = json.loads((Path(__file__).resolve().parents[2] / "policies" / "data" / "youyang-2017.json")
                          .read_text(encoding="utf-8"))
    client.force_login(county_admin)
    wider = document | {"code": "chongqing-wide", "region_code": "50"}
    response = client.post("/admin/policies/policyversion/add/", {"document": json.dumps(wider), "note": ""})
    assert response.status_code == 200 and "政策适用区域 50 不在您的管辖区域内" in response.content.decode()
    assert not Policy.objects.filter(code="chongqing-wide").exists()
    own = document | {"code": "youyang-own"}
    response = client.post("/admin/policies/policyversion/add/", {"document": json.dumps(own), "note": ""})
    assert response.status_code == 302 and Policy.objects.filter(code="youyang-own").exists()
