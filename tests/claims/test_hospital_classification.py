"""A hospital's place (县域内 / 县域外) is an administrator's word (issue 16, point 6): a hospital first named in an
import is 待分类 whoever imports, settled out of county until an administrator classifies it; classifying it
in county settles its bills again (the conditions-example policy lowers the deductible and raises the ratio of
the poor's basic layer in county, and pays less assistance outside the county without a referral)."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from claims.forms import NOTHING_CHOSEN
from claims.imports import claims_import, claims_import_records
from claims.models import Adjustment, Claim, Hospital, Settlement
from claims.services import (
    CLASSIFY_COUNTY_WIDE,
    TOWNSHIP_LEVEL,
    TOWNSHIP_OUT_OF_COUNTY,
    hospital_classify,
)

D = datetime.date
NEW = "酉阳县新开的民营医院"
HEADER = ["身份证号", "姓名", "就诊类型", "医疗机构", "医疗机构等级", "县域内", "入院日期", "出院日期", "总费用",
          "政策范围内费用"]
# A poor person's stay of 12,000 (10,000 in the catalogue) in March 2024, by hand:
# out of county: basic (10,000 − 400) × 65 % = 6,240; assistance on the 3,760 left × 40 % (outside the county,
# not referred) = 1,504; personal 12,000 − 7,744 = 4,256.
# in county: basic (10,000 − 200) × 75 % = 7,350; assistance on the 2,650 left × 60 % = 1,590; personal 3,060.
OUT_OF_COUNTY = {"basic": Decimal("6240.00"), "assistance": Decimal("1504.00"), "personal": Decimal("4256.00")}
IN_COUNTY = {"basic": Decimal("7350.00"), "assistance": Decimal("1590.00"), "personal": Decimal("3060.00")}


def workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def stay(person, hospital=NEW, in_county="是", day=15):
    return [person.id_number, person.name, "住院", hospital, "县级", in_county, f"2024-03-{day - 5:02d}",
            f"2024-03-{day:02d}", "12000", "10000"]


def paid(claim: Claim) -> dict[str, Decimal]:
    settlement = Settlement.objects.get(claim=claim, superseded_at__isnull=True)
    amounts = {p.layer: p.amount for p in settlement.payments.all() if p.layer in ("basic", "assistance")}
    return amounts | {"personal": settlement.personal}


@pytest.fixture
def poor(load_vector_policy, make_person, village_a, covered):
    load_vector_policy("conditions-example")
    return covered(make_person(village_a, name="冉一"), 2024, ["poor"])


@pytest.fixture
def imported(poor, clerk_a):
    """A clerk's list names a hospital nobody has recorded, its 县域内 column saying 是."""
    report = claims_import(user=clerk_a, content=workbook([stay(poor)]), filename="三月住院.xlsx", apply=True)
    assert report.applied, report.errors
    return Hospital.objects.get(name=NEW), Claim.objects.get(hospital__name=NEW)


def test_an_administrators_excel_import_creates_a_hospital_to_classify(poor, county_admin):
    # when: an administrator imports the list
    report = claims_import(user=county_admin, content=workbook([stay(poor)]), filename="三月住院.xlsx", apply=True)
    # then: the hospital is usable by everyone (accepted) but 待分类, the list's 县域内 kept as a suggestion only
    assert report.applied and report.hospitals_created == [NEW]
    hospital = Hospital.objects.get(name=NEW)
    assert (hospital.status, hospital.classified, hospital.suggested_in_county, hospital.in_county) == (
        Hospital.Status.ACCEPTED, False, True, False)
    assert (hospital.proposed_by, hospital.place_confirmed_by) == (county_admin, None)
    assert hospital.proposed_at is not None
    # and its bill is settled out of county, whatever the list said
    assert paid(Claim.objects.get()) == OUT_OF_COUNTY


def test_a_pushed_settlement_creates_a_hospital_to_classify(poor, clerk_a):
    record = {"setl_id": "S-1", "psn_cert_no": poor.id_number, "psn_name": poor.name, "med_type": "21",
              "fixmedins_name": NEW, "level": "县级", "in_county": "1", "begndate": "2024-03-10",
              "enddate": "2024-03-15", "medfee_sumamt": "12000", "inscp_scp_amt": "10000"}
    report = claims_import_records(user=clerk_a, records=[record], apply=True)
    assert report.applied and report.hospitals_created == [NEW]
    hospital = Hospital.objects.get(name=NEW)
    assert (hospital.status, hospital.classified, hospital.suggested_in_county, hospital.in_county) == (
        Hospital.Status.PROPOSED, False, True, False)
    assert paid(Claim.objects.get()) == OUT_OF_COUNTY


def test_classifying_in_county_settles_the_hospitals_bills_again_to_the_cent(
    imported, county_admin, township_a, make_person, village_a, covered, settle, clerk_a
):
    # given: the imported bill, paid out already, and another person's bill at a hospital classified before
    hospital, claim = imported
    Claim.objects.filter(pk=claim.pk).update(paid_out_on=D(2024, 4, 30))
    other = covered(make_person(village_a, name="冉二"), 2024, ["poor"])
    elsewhere = settle(clerk_a, other, day=D(2024, 3, 20), total="12000", in_catalog="10000").claim
    assert paid(elsewhere) == IN_COUNTY  # the fixture's county hospital is in county
    # when
    outcome = hospital_classify(user=county_admin, hospital=hospital, in_county=True, township=township_a)
    # then: one person-year settled again, to the in-county amounts, the moved payments owed as 补付
    assert (outcome.moved, outcome.person_years) == (True, 1)
    assert paid(claim) == IN_COUNTY
    assert Settlement.objects.get(claim=claim, superseded_at__isnull=True).reason == Settlement.Reason.HOSPITAL
    assert sorted((c.layer, c.before, c.after) for c in outcome.changes) == [
        ("assistance", Decimal("1504.00"), Decimal("1590.00")), ("basic", Decimal("6240.00"), Decimal("7350.00"))]
    assert sorted((a.kind, a.layer, a.after - a.before) for a in Adjustment.objects.filter(claim=claim)) == [
        (Adjustment.Kind.TOP_UP, "assistance", Decimal("86.00")), (Adjustment.Kind.TOP_UP, "basic", Decimal("1110.00"))]
    assert Settlement.objects.filter(claim=elsewhere).count() == 1  # another hospital's bill is not touched
    # and the hospital is classified, accepted and recorded in its history
    hospital.refresh_from_db()
    assert (hospital.in_county, hospital.township, hospital.classified, hospital.status) == (
        True, township_a, True, Hospital.Status.ACCEPTED)
    assert hospital.place_confirmed_by == county_admin
    latest = hospital.history.first()
    assert (latest.history_user, latest.history_change_reason) == (county_admin, "管理员分类为县域内（龙潭镇）")


def test_classifying_out_of_county_settles_nothing_again(imported, county_admin):
    hospital, claim = imported
    outcome = hospital_classify(user=county_admin, hospital=hospital, in_county=False)
    assert (outcome.moved, outcome.person_years, outcome.changes) == (False, 0, [])
    assert Settlement.objects.filter(claim=claim).count() == 1 and paid(claim) == OUT_OF_COUNTY
    hospital.refresh_from_db()
    assert hospital.classified and not hospital.in_county


def test_only_an_administrator_of_the_county_classifies(imported, clerk_a, admin_a, county_admin, township_a):
    hospital, _ = imported
    with pytest.raises(ValidationError) as refused:
        hospital_classify(user=clerk_a, hospital=hospital, in_county=True)
    assert refused.value.code == "not_permitted"
    with pytest.raises(ValidationError) as refused:  # a township's administrator: the change moves every township
        hospital_classify(user=admin_a, hospital=hospital, in_county=True)
    assert refused.value.messages == [CLASSIFY_COUNTY_WIDE]
    with pytest.raises(ValidationError) as refused:
        hospital_classify(user=county_admin, hospital=hospital, in_county=False, township=township_a)
    assert refused.value.message_dict == {"township": [TOWNSHIP_OUT_OF_COUNTY]}
    village = township_a.children.create(code="500242100299", name="某村", level="village")
    with pytest.raises(ValidationError) as refused:
        hospital_classify(user=county_admin, hospital=hospital, in_county=True, township=village)
    assert refused.value.message_dict == {"township": [TOWNSHIP_LEVEL.format(region=village)]}
    hospital.refresh_from_db()
    assert not hospital.classified


def test_the_admin_classifies_what_it_adds_and_settles_again_when_it_moves_a_hospital(
    client, imported, county_admin
):
    hospital, claim = imported
    hospital_classify(user=county_admin, hospital=hospital, in_county=True)
    client.force_login(county_admin)
    # a hospital added in the admin is classified by whoever added it
    form = {"name": "某县级医院", "code": "", "level": "county", "grade": "", "in_county": "on", "township": ""}
    assert client.post("/admin/claims/hospital/add/", form).status_code == 302
    added = Hospital.objects.get(name="某县级医院")
    assert (added.classified, added.place_confirmed_by, added.in_county) == (True, county_admin, True)
    # moving a hospital out of the county in the admin settles its bills again
    form = {"name": hospital.name, "code": "", "level": "county", "grade": "", "township": ""}
    assert client.post(f"/admin/claims/hospital/{hospital.pk}/change/", form).status_code == 302
    hospital.refresh_from_db()
    assert not hospital.in_county and paid(claim) == OUT_OF_COUNTY
    # ticking 县域内 of a 待分类 hospital in the admin classifies it
    waiting = Hospital.objects.create(name="另一家新医院", level="county", place_confirmed_at=None)
    form = {"name": waiting.name, "code": "", "level": "county", "grade": "", "in_county": "on", "township": ""}
    assert client.post(f"/admin/claims/hospital/{waiting.pk}/change/", form).status_code == 302
    waiting.refresh_from_db()
    assert (waiting.in_county, waiting.classified, waiting.place_confirmed_by) == (True, True, county_admin)
    # a township for a hospital outside the county is refused
    form = {"name": hospital.name, "code": "", "level": "county", "grade": "", "township": "500242100"}
    response = client.post(f"/admin/claims/hospital/{hospital.pk}/change/", form)
    assert response.status_code == 200 and TOWNSHIP_OUT_OF_COUNTY in response.content.decode()


def test_the_admins_hospital_list_import_classifies_what_it_adds_or_moves(client, imported, county_admin, township_a):
    hospital, claim = imported
    client.force_login(county_admin)
    upload = io.BytesIO(f"名称,级别,县域内,所在乡镇代码\n{NEW},county,1,{township_a.code}\n新的卫生院,township,0,\n"
                        .encode())
    upload.name = "医疗机构.csv"
    response = client.post("/admin/claims/hospital/import/", {"format": "0", "resource": "0", "import_file": upload})
    assert response.status_code == 200 and "confirm_form" in response.context
    assert not Hospital.objects.filter(name="新的卫生院").exists() and paid(claim) == OUT_OF_COUNTY  # a preview
    client.post("/admin/claims/hospital/process_import/", response.context["confirm_form"].initial)
    hospital.refresh_from_db()
    assert (hospital.in_county, hospital.township, hospital.place_confirmed_by) == (True, township_a, county_admin)
    assert paid(claim) == IN_COUNTY
    added = Hospital.objects.get(name="新的卫生院")
    assert (added.classified, added.place_confirmed_by, added.in_county) == (True, county_admin, False)


def test_the_page_of_hospitals_to_classify(client, imported, county_admin, clerk_a, viewer, township_a):
    hospital, claim = imported
    url = reverse("hospital_classify")
    for user in (clerk_a, viewer):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(county_admin)
    page = client.get(url).content.decode()
    assert NEW in page and f"place_{hospital.pk}" in page and "clerk_a" in page
    assert f'?hospital={hospital.pk}&amp;status=settled&amp;from=&amp;to=">1</a>' in page  # its one bill
    # nothing chosen: said, nothing written
    response = client.post(url, {f"place_{hospital.pk}": ""})
    assert NOTHING_CHOSEN in response.content.decode()
    response = client.post(url, {f"place_{hospital.pk}": "out", f"township_{hospital.pk}": township_a.code})
    assert TOWNSHIP_OUT_OF_COUNTY in response.content.decode()
    hospital.refresh_from_db()
    assert not hospital.classified
    # classified in county, with its township
    response = client.post(url, {f"place_{hospital.pk}": "in", f"township_{hospital.pk}": township_a.code},
                           follow=True)
    text = response.content.decode()
    assert "已分类 1 家医疗机构" in text and "1 个人员年度，2 笔支付变动" in text and "没有待分类的医疗机构" in text
    hospital.refresh_from_db()
    assert (hospital.in_county, hospital.township, hospital.place_confirmed_by) == (True, township_a, county_admin)
    assert paid(claim) == IN_COUNTY


def test_administrators_find_the_page_from_the_hospitals_list_and_the_home_page(client, imported, county_admin):
    client.force_login(county_admin)
    url = reverse("hospital_classify")
    listing = client.get("/admin/claims/hospital/").content.decode()
    assert f'<a href="{url}">待分类医疗机构（1）</a>' in listing
    home = client.get(reverse("home")).content.decode()
    assert f'href="{url}"><div class="n">1</div>' in home


def run(*args) -> dict:
    out = StringIO()
    call_command("hospital_classify", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_the_command_lists_and_classifies(imported, county_admin, clerk_a):
    hospital, claim = imported
    listed = run("--user=county_admin")["hospitals"]
    assert [(h["name"], h["suggested_in_county"], h["proposed_by"], h["bills"]) for h in listed] == [
        (NEW, True, "clerk_a", 1)]
    with pytest.raises(CommandError) as refused:
        run(NEW, "--user=county_admin")
    assert refused.value.returncode == 2 and "--in-county" in str(refused.value)
    with pytest.raises(CommandError) as refused:
        run(NEW, "--in-county", "--user=clerk_a")
    assert refused.value.returncode == 2 and "不能为医疗机构分类" in str(refused.value)
    result = run(NEW, "--in-county", "--user=county_admin")
    assert (result["resettled"], result["person_years"], len(result["changes"])) == (True, 1, 2)
    assert paid(claim) == IN_COUNTY
    assert run("--user=county_admin")["hospitals"] == []
