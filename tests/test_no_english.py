"""Every page of the product, as each role sees it, speaks Chinese: no English word and no Latin-letter code.

A small county is built (the shipped policies, people of township A with a settled and a voided bill, an
alert, a grant, a roster batch applied, an enrollment list, a ledger export, a policy simulation, a payment
batch) and every URL pattern of ``config.urls`` is opened as the administrator, the county clerk, the
official (查询) and a township clerk. A URL is either walked (``PAGES``: how to fill its arguments) or skipped
(``SKIPPED``: why it is no page), so a new URL fails here until it is placed. The Django admin is walked as the
administrator: its index, every changelist, every add form and one change form per model. The admin shows the
records as they are stored, so there a word stored in a record (a code, a JSON document, a digest, a file
name, a login's request headers) is data too; the admin's own words and our labels must be Chinese.

On each HTML page (200) the visible text is read: the text of the elements outside <script>, <style> and
<head> (so <option>, <button> and <label> text counts), and the attributes a person sees (``title``,
``placeholder``, ``data-confirm`` — the confirmation dialog —, a button-like input's ``value``). A run of Latin
letters in it fails the page unless it is

- an ID number's check character or masked tail (digits ending in X), an ICD-10 code (``I10.x00``), a
  number an office issues with a letter in front (户编号 ``Y00100000``), a quarter (``2024Q3``), an amount, a
  date or a number — data, not words;
- one of ``ALLOWED``: terms a Chinese clerk reads as Chinese (each explained there);
- a login name of the world's users: an administrator chooses it and the user types it to log in;
- inside an element marked ``data-technical``: what is shown for experts on purpose (the policy editor's
  JSON box and layer codes). Use it only for what is truly technical.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from types import SimpleNamespace

import openpyxl
import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Role, User
from accounts.services import system_user
from api.models import Partner, Scope
from api.services import partner_revoke, partner_rotate_key, partner_save
from assistance.models import Fund, FundYear, Grant
from assistance.services import grant_decide
from beneficiaries.models import CategoryHolding, Household
from claims.models import Claim, Hospital, PolicySimulation
from claims.demo import HOSPITALS
from claims.services import claim_void
from health import services as health_services
from health.models import ContractBatch, Disease
from ledgers.models import LedgerExport
from monitoring.models import Alert
from payments.models import PaymentBatch
from payments.services import batch_create
from policies.models import PolicyVersion
from policies.services import policies_load_shipped
from employment import services as employment_services
from employment.models import SurveyBatch
from projects import services as project_services
from projects.models import ParticipationBatch, Project
from rosters.models import EnrollmentUpload, RosterBatch
from tests.claims.conftest import covered, hospital, settle  # noqa: F401 - fixtures
from tests.conftest import PASSWORD

D = datetime.date
YEAR = 2017

# Terms a Chinese clerk reads as Chinese: kept short on purpose.
ALLOWED = {
    "ID",  # 身份证 ID: printed on the cards themselves
    "ICD", "ICD-10",  # the diagnosis codes every hospital uses
    "Excel", "xlsx", "xls", "csv",  # the files offices exchange, named as their software names them
    "UTF-8", "GBK",  # a CSV file's encoding, as Excel and WPS name it when saving
    "IP",  # the address a login came from (the lockout pages)
    "JSON",  # the policy file's format, named on the expert's upload forms
    "PDF",  # print to PDF
    "Word", "WPS", "OFD", "JPG", "PNG",  # the documents and pictures a project keeps, named as their software names them
    "MB",  # the largest file an upload takes
    "A4", "A5",  # paper sizes
    "HIS",  # the hospital's information system, as hospitals call it
}
DATA = re.compile(
    r"\d+X"  # an ID number (or its masked tail) ending in the check character X
    r"|[A-Z]\d{2}(\.[0-9A-Za-z]{1,4})?"  # an ICD-10 code: I10, I10.x00, A00.000
    r"|[A-Z]{1,2}\d{3,}"  # a number an office issues with a letter in front: 户编号 Y00100000
    r"|\d{4}Q[1-4]"  # a quarter as the statistics write it: 2024Q3
)
LATIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

# Each URL walked: its name and how to fill its arguments from the world.
PAGES = {
    "home": None, "home_five_checks": None, "login": None, "password_change": None, "password_change_done": None,
    "user_list": None, "user_new": None, "user_edit": lambda w: {"pk": w.clerk.pk},
    "search": None, "person_create": None, "person_detail": lambda w: {"pk": w.person.pk},
    "person_edit": lambda w: {"pk": w.person.pk}, "person_correct_id": lambda w: {"pk": w.person.pk},
    "person_status": lambda w: {"pk": w.person.pk}, "holding_add": lambda w: {"pk": w.person.pk},
    "enrollment_add": lambda w: {"pk": w.person.pk}, "holding_end": lambda w: {"pk": w.holding.pk},
    "household_create": None, "household_detail": lambda w: {"pk": w.household.pk},
    "household_edit": lambda w: {"pk": w.household.pk},
    "calculator": None,
    "policies:list": None, "policies:detail": lambda w: {"pk": w.policy.pk},
    "policies:compare": lambda w: {"pk": w.policy.pk}, "policies:edit": lambda w: {"pk": w.policy.pk},
    "bill_list": None, "day_tally": None, "day_tally_print": None,
    "claim_create": lambda w: {"person_pk": w.person.pk}, "claim_detail": lambda w: {"pk": w.settled.pk},
    "claim_slip": lambda w: {"pk": w.settled.pk}, "claim_void": lambda w: {"pk": w.settled.pk},
    "adjustment_list": None, "claim_import": None, "hospital_classify": None, "simulation": None,
    "simulation_detail": lambda w: {"pk": w.simulation.pk}, "simulation_progress": lambda w: {"pk": w.simulation.pk},
    "payments:payables": None, "payments:batch_list": None, "payments:batch_new": None,
    "payments:batch_detail": lambda w: {"pk": w.payment_batch.pk},
    "rosters:batch_list": None, "rosters:batch_upload": None, "rosters:batch_detail": lambda w: {"pk": w.roster.pk},
    "rosters:batch_progress": lambda w: {"pk": w.roster.pk}, "rosters:enrollment_upload": None,
    "rosters:enrollment_detail": lambda w: {"pk": w.enrollment.pk},
    "ledger": None, "ledger_export_start": None, "ledger_export_detail": lambda w: {"pk": w.export.pk},
    "ledger_export_progress": lambda w: {"pk": w.export.pk}, "ledger_stats": None, "responsibilities": None,
    "monitoring:alert_list": None, "monitoring:alert_detail": lambda w: {"pk": w.alert.pk},
    "monitoring:alert_referral": lambda w: {"pk": w.alert.pk}, "monitoring:five_checks": None,
    "monitoring:five_checks_list": lambda w: {"check": "enrollment"},
    "monitoring:visit_list": None, "monitoring:visit_create": None, "monitoring:visit_import": None,
    "assistance:fund_list": None, "assistance:grant_list": None,
    "assistance:grant_detail": lambda w: {"pk": w.grant.pk},
    "assistance:grant_create": lambda w: {"person_pk": w.person.pk},
    "assistance:application_list": None, "assistance:publicity_list": None,
    "assistance:application_create": lambda w: {"person_pk": w.person.pk},
    "partners:list": None, "partners:new": None, "partners:detail": lambda w: {"pk": w.partner.pk},
    "partners:edit": lambda w: {"pk": w.partner.pk}, "partners:revoke": lambda w: {"pk": w.partner.pk},
    "api:docs": None,
    "health:household": lambda w: {"pk": w.household.pk}, "health:person": lambda w: {"pk": w.person.pk},
    "health:diseases": None, "health:coverage": None, "health:missing": lambda w: {"measure": "cards"},
    "health:batches": None, "health:batch_upload": None, "health:batch": lambda w: {"pk": w.contract_batch.pk},
    "participation_lists:batches": None, "participation_lists:batch_upload": None,
    "participation_lists:batch": lambda w: {"pk": w.participation_batch.pk},
    "employment:overview": None, "employment:unplaced": None, "employment:visits_due": None,
    "employment:at_risk": None, "employment:person": lambda w: {"pk": w.person.pk},
    "surveys:batches": None, "surveys:batch_upload": None, "surveys:batch": lambda w: {"pk": w.survey_batch.pk},
    "projects:library": None, "projects:project": lambda w: {"pk": w.project.pk},
    "projects:person": lambda w: {"pk": w.person.pk}, "projects:no_project": None, "projects:unrecorded": None,
    "projects:stats": None,
}
# Pages shown with a query (the form filled in) as well as bare: the results are where the names are.
QUERIES = {
    "ledger": {"area": "500242", "period": "year", "year": str(YEAR)},
    "ledger_stats": {"area": "500242", "quarter": f"{YEAR}Q3"},
    "responsibilities": {"area": "500242", "year": str(YEAR)},
    "search": {"q": "田"},
    "bill_list": {"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31"},
    "day_tally": {"date": f"{YEAR}-08-03"},
    "monitoring:five_checks": {"year": str(YEAR)},
    "monitoring:five_checks_list": {"year": str(YEAR)},
    "monitoring:alert_list": {"year": str(YEAR)},
    "payments:payables": {"month": f"{YEAR}-08"},
    "assistance:fund_list": {"year": str(YEAR)},
    "health:coverage": {"area": "500242", "quarter": f"{YEAR}Q4"},
    "health:missing": {"area": "500242", "day": f"{YEAR}-12-31"},
    **dict.fromkeys(["employment:overview", "employment:unplaced", "employment:visits_due", "employment:at_risk",
                     "projects:stats", "projects:no_project", "projects:unrecorded"],
                    {"area": "500242", "day": f"{YEAR}-12-31"}),
}
SKIPPED = {
    "logout": "POST only (signs out)",
    "user_unlock": "POST only",
    "rosters:batch_apply": "POST only", "rosters:batch_revert": "POST only",
    "rosters:enrollment_apply": "POST only",
    "health:batch_apply": "POST only", "health:batch_discard": "POST only", "health:batch_report": "a download (xlsx)",
    "participation_lists:batch_apply": "POST only", "participation_lists:batch_discard": "POST only",
    "participation_lists:batch_report": "a download (xlsx)",
    "surveys:batch_apply": "POST only", "surveys:batch_discard": "POST only", "surveys:batch_report": "a download (xlsx)",
    "projects:attachment_upload": "POST only", "projects:attachment": "a download (the uploaded document)",
    "household_pick": "JSON for the household picker",
    "rosters:batch_report": "a download (xlsx)", "payments:statement": "a download (xlsx)",
    "simulation_download": "a download (xlsx)", "ledger_export_download": "a download (xlsx)",
    "ledger_stats_export": "a download (xlsx)", "responsibilities_export": "a download (xlsx)",
    "monitoring:alert_export": "a download (xlsx)", "import_template": "a download (xlsx)",
    "assistance:application_document": "a download (the uploaded document)",
    "assistance:application_detail": "walked in tests/assistance (needs the application flow's fixtures)",
    "assistance:application_print": "walked in tests/assistance (needs the application flow's fixtures)",
    "partners:rotate": "POST only (answers with the new key, shown once)",
    **dict.fromkeys(["api:people_changed", "api:person", "api:settlements", "api:rosters", "api:roster",
                     "api:roster_apply", "api:ledger", "api:alerts"], "the API: JSON for the partners' systems"),
    "api:schema": "the API's description (OpenAPI, YAML or JSON) for machines",
    "api:swagger": "Swagger UI: the library's own English labels, for developers trying calls",
}


def product_patterns(resolver=None, namespace="", prefix=""):
    """(name, route) of every URL of the product (the admin apart)."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            route = prefix + str(entry.pattern)
            if not route.startswith("admin/"):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from product_patterns(entry, inner, route)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern)


class VisibleText(HTMLParser):
    """The text a person sees on a page, and the attributes they read."""

    HIDDEN = {"script", "style", "head", "template"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    READ = {"title", "placeholder", "data-confirm"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open: list[tuple[str, bool]] = []  # (tag, hidden) of each open element

    @property
    def hidden(self) -> bool:
        return any(hidden for _, hidden in self.open)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        hidden = tag in self.HIDDEN or "data-technical" in attributes
        if not (self.hidden or hidden):
            self.parts += [value for name, value in attrs if name in self.READ and value]
            if tag == "input" and attributes.get("type") in ("submit", "button", "reset"):
                self.parts.append(attributes.get("value") or "")
        if tag not in self.VOID:
            self.open.append((tag, hidden))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.open.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return " ".join(parser.parts)


def latin_words(text: str, data: set[str]) -> dict[str, str]:
    """Each offending word, with the text around its first occurrence (to find it in the template)."""
    found = {}
    for match in LATIN.finditer(text):
        token = match.group().strip("._-")
        if not re.search(r"[A-Za-z]", token) or token in ALLOWED or token in data or DATA.fullmatch(token):
            continue
        found.setdefault(token, " ".join(text[max(0, match.start() - 20):match.end() + 20].split()))
    return found


def listed(words: dict[str, str]) -> str:
    return "; ".join(f"{word}（…{around}…）" for word, around in sorted(words.items()))


def test_the_text_reader_keeps_what_is_seen_and_drops_the_rest():
    html = ('<html><head><title>Title</title><style>.a{}</style></head><body><p title="提示 Hint">正文 Body</p>'
            '<script>var x = 1;</script><select><option value="code">选项 Option</option></select>'
            '<details data-technical><textarea>{"code": "x"}</textarea></details>'
            '<input type="submit" value="Save"><input name="ignored" value="typed"><img src="a.png" alt="图 Pic">'
            "<p>身份证 50024219600504001X，ICD I10.x00，¥1,234.00，2017-08-03 A4</p></body></html>")
    text = visible_text(html)
    assert set(latin_words(text, set())) == {"Hint", "Body", "Option", "Save"}


@pytest.fixture
def world(db, settings, tmp_path, client, county, township_a, village_a, make_person, category,
          covered, settle, hospital):  # noqa: F811 - the claims fixtures imported above
    """A small county with something on every page."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    users = SimpleNamespace(
        admin=_user("admin", Role.ADMIN, county, "王管理"), clerk=_user("clerk", Role.CLERK, county, "李经办"),
        viewer=_user("official", Role.VIEWER, county, "赵查询"),
        township_clerk=_user("clerk_500242100", Role.CLERK, township_a, "周镇"),
    )
    policies_load_shipped(user=system_user())
    for name, level, grade, in_county, _, code, _ in HOSPITALS:  # the hospitals the policy names by code
        if code:
            Hospital.objects.create(name=name, level=level, grade=grade, in_county=in_county, code=code)
    household = Household.objects.create(number="Y001", village=village_a)
    person = covered(make_person(village_a, name="田小红", household=household), YEAR, ["poor", "dibao_rural"])
    settled = settle(users.clerk, person, day=D(YEAR, 8, 3), total="100000", in_catalog="60000", level="city",
                     diagnoses=({"code": "I10.x00", "name": "高血压"},), admission_number="2017001234",
                     invoice_number="00012345").claim
    voided = settle(users.clerk, person, day=D(YEAR, 9, 3), total="3000", in_catalog="2500").claim
    claim_void(user=users.clerk, claim=voided, reason="重复录入")
    voided.refresh_from_db()
    Hospital.objects.filter(name="city 医院").update(name="重庆市第一人民医院")  # the fixture's English name
    Hospital.objects.filter(name="county 医院").update(name="酉阳县第二人民医院")
    Hospital.objects.create(name="酉阳县新开的民营医院", level="county", suggested_in_county=True, place_confirmed_at=None,
                            proposed_by=users.clerk)  # 待分类, as an import leaves it
    fund = Fund.objects.create(code="hardship", name="卫生医疗困难救助基金", kind=Fund.Kind.GRANTS, region=county,
                               grants_per_year=2, amount_per_year=Decimal("20000"), major_cap=Decimal("10000"))
    FundYear.objects.create(fund=fund, year=YEAR, budget=Decimal("120000"))
    grant_decide(user=users.clerk, person=person, year=YEAR, kind="temporary", fund=fund, case="major",
                 amount=Decimal("5000"), decided_on=D(YEAR, 10, 9), reason="评审委员会同意救助")
    batch_create(user=users.admin, through=D(YEAR, 8, 31), paid_on=D(YEAR, 9, 5))
    _health_records(users.clerk, household, person)
    project = _relief_records(users.clerk, person, village_a)

    client.force_login(users.admin)
    leaving = make_person(village_a, name="丁")
    CategoryHolding.objects.create(beneficiary=leaving, category=category("dibao_rural"), source="civil_affairs",
                                   start=D(2023, 1, 1))
    roster = _xlsx([["序号", "姓名", "身份证号", "人员类别", "行政区划代码"],
                    [1, person.name, person.id_number, "农村低保", village_a.code],
                    [2, "新来", "500242198808080017", "特困供养", village_a.code]])
    client.post(reverse("rosters:batch_upload"), {"source": "civil_affairs", "month": "2024-05", "area": "",
                                                  "category": "", "file": roster})
    client.post(reverse("rosters:batch_apply", args=[RosterBatch.objects.get().pk]))
    enrollment = _xlsx([["身份证号", "姓名", "险种", "参保状态", "财政补助金额", "未参保原因"],
                        [person.id_number, person.name, "城乡居民基本医疗保险", "已参保", "150.00", ""]],
                       name="参保名单.xlsx")
    client.post(reverse("rosters:enrollment_upload"), {"year": YEAR, "file": enrollment})
    contracts = _xlsx([["身份证号", "户编号", "签约团队", "签约医生", "签约机构", "服务包", "签约日期"],
                       ["", household.number, "第一家庭医生团队", "冉平", "龙潭镇卫生院", "基础包", f"{YEAR + 1}-07-01"],
                       ["500242198808080017", "", "第一家庭医生团队", "冉平", "龙潭镇卫生院", "基础包", f"{YEAR}-13-01"]],
                      name="签约名单.xlsx")
    client.post(reverse("health:batch_upload"), {"file": contracts})  # a new contract, and a row in error
    participation = _xlsx([["身份证号", "姓名", "劳动能力", "项目编号", "参与方式", "参与日期"],
                           [person.id_number, person.name, "普通劳动力", "", "", ""],
                           ["500242198808080017", "新来", "很强", "", "", ""]], name="参与名单.xlsx")
    client.post(reverse("participation_lists:batch_upload"), {"file": participation})  # a capacity, and a row in error
    survey = _xlsx([["身份证号", "姓名", "毕业（就读）学校", "学历层次", "毕业年份", "摸排日期", "摸排人"],
                    [person.id_number, person.name, "酉阳职业教育中心", "中职", YEAR - 1, f"{YEAR}-03-02", "冉春燕"],
                    ["500242198808080017", "新来", "酉阳第一中学", "博士后", YEAR, f"{YEAR}-03-02", "冉春燕"]],
                   name="摸排表.xlsx")
    client.post(reverse("surveys:batch_upload"), {"file": survey})  # an update, and a row in error
    client.post(reverse("ledger_export_start"), QUERIES["ledger"])
    client.post(reverse("simulation"), {"source": "version", "version": str(PolicyVersion.objects.filter(
        policy__code="youyang-2017").get().pk), "year": str(YEAR), "area": ""})
    client.logout()
    partner = partner_save(actor=users.admin, partner=Partner(
        name="县医保信息平台", kind=Partner.Kind.MEDICAL_INSURANCE, area=county, scopes=[Scope.READ_PEOPLE],
        contact="县医保局信息科")).partner
    partner.scopes = [Scope.READ_PEOPLE, Scope.READ_ALERTS]
    partner_save(actor=users.admin, partner=partner)  # the history shows a change of scopes
    key = partner_rotate_key(actor=users.admin, partner=partner).key  # … and of the key's prefix
    client.get(f"/api/v1/people/{person.id_number}/", HTTP_AUTHORIZATION=f"Bearer {key}")  # a call on its page
    retired = partner_save(actor=users.admin, partner=Partner(
        name="县民政局旧系统", kind=Partner.Kind.CIVIL_AFFAIRS, area=township_a, scopes=[Scope.PUSH_ROSTERS])).partner
    partner_revoke(actor=users.admin, partner=retired, reason="系统停用")

    return SimpleNamespace(
        users=users, person=person, household=household, settled=settled, voided=voided,
        holding=CategoryHolding.objects.filter(beneficiary=person).first(),
        policy=PolicyVersion.objects.get(policy__code="youyang-2017").policy, grant=Grant.objects.get(),
        alert=Alert.objects.get(beneficiary=person), payment_batch=PaymentBatch.objects.get(),
        roster=RosterBatch.objects.get(), enrollment=EnrollmentUpload.objects.get(),
        export=LedgerExport.objects.get(), simulation=PolicySimulation.objects.get(),
        clerk=users.township_clerk, partner=partner, contract_batch=ContractBatch.objects.get(),
        participation_batch=ParticipationBatch.objects.get(), survey_batch=SurveyBatch.objects.get(), project=project,
    )


def _health_records(clerk, household, person) -> None:
    """A contract renewed and ended, a record, a revoked card and one in use, a case moved on, a 两病 recognition."""
    contract = health_services.contract_sign(
        user=clerk, household=household, team="第一家庭医生团队", doctor="冉平", clinic="龙潭镇卫生院", package="基础包",
        signed_on=D(YEAR, 1, 5), starts_on=D(YEAR, 1, 5), ends_on=D(YEAR, 12, 31))
    renewal = health_services.contract_renew(user=clerk, contract=contract, signed_on=D(YEAR, 12, 1),
                                             ends_on=D(YEAR + 1, 12, 31))
    health_services.contract_end(user=clerk, contract=renewal, ended_on=D(YEAR + 1, 6, 30), reason="迁往外县")
    health_services.record_establish(user=clerk, person=person, number="DA500242001", established_on=D(YEAR, 2, 1))
    card = health_services.card_issue(user=clerk, person=person, number="HC001", issued_on=D(YEAR, 2, 1),
                                      handed_over_by="村医 冉平")
    health_services.card_revoke(user=clerk, card=card, revoked_on=D(YEAR, 5, 1), reason="遗失")
    health_services.card_issue(user=clerk, person=person, number="HC002", issued_on=D(YEAR, 5, 2), handed_over_by="冉平")
    case = health_services.treatment_register(
        user=clerk, person=person, disease=Disease.objects.get(code="end_stage_renal"),
        treatment_class="inpatient_maintenance", institution="酉阳县人民医院", registered_on=D(YEAR, 3, 1))
    health_services.treatment_set_status(user=clerk, case=case, status="treating", on=D(YEAR, 3, 2), note="透析")
    health_services.two_disease_recognise(user=clerk, person=person, disease="hypertension",
                                          recognised_on=D(YEAR, 4, 1), recognised_by="龙潭镇卫生院",
                                          evidence="二级医院诊断证明")


def _relief_records(clerk, person, village) -> Project:
    """Seed 000's other two plans: a survey, a placement ended early, support given and voided, a visit; a project
    moved on, with money, a document and the person taking part with an income."""
    employment_services.survey_record(
        user=clerk, person=person, year=YEAR, school="酉阳职业教育中心", level="secondary_vocational", major="数控技术应用",
        graduation_year=YEAR - 1, intention="县内企业", wants_business=True, business_plan="农村电商", needs="创业贷款",
        surveyed_on=D(YEAR, 3, 1), surveyed_by="冉春燕")
    placement = employment_services.placement_start(user=clerk, person=person, kind="enterprise",
                                                    employer="酉阳县青花椒加工厂", starts_on=D(YEAR, 4, 1))
    employment_services.visit_record(user=clerk, placement=placement, visited_on=D(YEAR, 6, 1), visitor="冉春燕",
                                     status="unstable", difficulties="工资偏低", action="协调调岗")
    employment_services.placement_end(user=clerk, placement=placement, ends_on=D(YEAR, 8, 31), reason="辞职返乡")
    support = employment_services.support_give(user=clerk, person=person, kind="subsidy", given_on=D(YEAR, 5, 1),
                                               provider="县就业和人才中心", amount=Decimal("1000.00"))
    employment_services.support_void(user=clerk, support=support, voided_on=D(YEAR, 5, 2), reason="重复登记")
    employment_services.support_give(user=clerk, person=person, kind="training", given_on=D(YEAR, 5, 3),
                                     provider="县职业技能培训中心", detail="电商培训")
    project = project_services.project_save(
        user=clerk, code="500242-2017-001", name="龙潭镇青花椒种植基地", kind="farming", area=village.parent,
        lead_department="县农业农村委", description="种植青花椒 500 亩", status_on=D(YEAR, 1, 5))
    for status in ("approved", "implementing"):
        project = project_services.project_move(user=clerk, project=project, status=status, on=D(YEAR, 1, 5))
    project_services.funding_add(user=clerk, project=project, source="central", amount=Decimal("80000.00"),
                                 arrived_on=D(YEAR, 1, 10))
    project_services.attachment_add(user=clerk, project=project, title="实施方案", file_name="实施方案.pdf",
                                    content=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    joined = project_services.participation_start(user=clerk, project=project, person=person, role="grower",
                                                  starts_on=D(YEAR, 2, 1))
    project_services.income_add(user=clerk, participation=joined, received_on=D(YEAR, 6, 30),
                                amount=Decimal("1234.56"), note="上半年销售收入")
    return project


def _user(username: str, role: str, area, name: str) -> User:
    user = User(username=username, role=role, area=area, first_name=name, is_staff=role == Role.ADMIN)
    user.set_password(PASSWORD)
    user.save()
    return user


def _xlsx(rows, name="名单.xlsx"):
    workbook = openpyxl.Workbook()
    for values in rows:
        workbook.active.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def test_every_url_is_walked_or_skipped_with_a_reason():
    names = {name for name, _ in product_patterns()}
    unplaced = names - PAGES.keys() - SKIPPED.keys()
    stale = (PAGES.keys() | SKIPPED.keys()) - names
    assert not unplaced, f"新的地址既未检查也未说明跳过原因：{sorted(unplaced)}"
    assert not stale, f"已不存在的地址：{sorted(stale)}"


def _offending(client, url: str, data: set[str]) -> tuple[int, dict[str, str]]:
    response = client.get(url)
    if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
        return response.status_code, {}
    return 200, latin_words(visible_text(response.content.decode()), data)


@pytest.mark.parametrize("role", ["admin", "clerk", "viewer", "township_clerk"])
def test_no_page_shows_english_or_codes(client, world, role):
    user = getattr(world.users, role)
    usernames = set(User.objects.values_list("username", flat=True))
    client.force_login(user)
    client.raise_request_exception = False
    failures, shown = [], 0
    for name, fill in PAGES.items():
        url = reverse(name, kwargs=fill(world) if fill else None)
        for query in ("", "?" + "&".join(f"{k}={v}" for k, v in QUERIES.get(name, {}).items())):
            if query == "?":
                continue
            status, words = _offending(client, url + query, usernames)
            assert status < 500, f"{url}{query} 作为 {role}：服务器错误 {status}"
            shown += status == 200
            if words:
                failures.append(f"{url}{query}: {listed(words)}")
    assert shown > 20, f"{role} 只打开了 {shown} 个页面"
    assert not failures, f"作为 {role}，页面上有英文或代码：\n" + "\n".join(failures)


def stored_words() -> set[str]:
    """Every Latin word stored in the records the admin shows: codes, JSON documents, digests, file names,
    the request headers of login records — the data the admin is there to show as it is."""
    words = set()
    for model in admin.site._registry:
        for record in model._default_manager.all():
            for field in record._meta.concrete_fields:
                value = field.value_from_object(record)
                text = json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)
                words |= {match.group().strip("._-") for match in LATIN.finditer(text)}
    return words


def test_the_admin_shows_no_english(client, world):
    client.force_login(world.users.admin)
    data = stored_words()
    failures, shown = [], 0
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        urls += [reverse("admin:%s_%s_changelist" % info), reverse("admin:%s_%s_add" % info)]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse("admin:%s_%s_change" % info, args=[first.pk]))
    for url in urls:
        status, words = _offending(client, url, data)
        assert status < 500, f"{url}：服务器错误 {status}"
        shown += status == 200
        if words:
            failures.append(f"{url}: {listed(words)}")
    assert shown > 10
    assert not failures, "后台页面上有英文：\n" + "\n".join(failures)


def test_a_voided_and_a_settled_bill_show_no_codes_to_a_clerk(client, world):
    """The pages of the bills themselves, also the voided one (its void page, its slip)."""
    client.force_login(world.users.clerk)
    usernames = set(User.objects.values_list("username", flat=True))
    for claim in (world.settled, world.voided):
        for name in ("claim_detail", "claim_slip"):
            status, words = _offending(client, reverse(name, args=[claim.pk]), usernames)
            assert status == 200 and not words, (name, claim.status, words)
    assert world.voided.status == Claim.Status.VOIDED
