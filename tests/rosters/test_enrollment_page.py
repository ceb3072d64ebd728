"""The enrollment list in the browser: an administrator previews, sees the people to follow up, confirms."""

import datetime
import io

import pytest
from django.urls import reverse

from beneficiaries.models import Enrollment
from policies.models import Policy, PolicyVersion
from rosters.models import EnrollmentUpload
from tests.rosters.conftest import new_id_number, xlsx_bytes

pytestmark = pytest.mark.usefixtures("media")

HEADER = ["身份证号", "姓名", "险种", "参保状态", "财政补助金额", "未参保原因"]
BLOCK = {
    "insurance": "resident_basic",
    "premium": "250.00",
    "subsidies": [
        {"categories": ["tekun_rural", "tekun_urban"], "amount": "full"},
        {"categories": ["dibao_rural", "dibao_urban"], "amount": "150.00"},
    ],
}


@pytest.fixture
def policy(county):
    policy = Policy.objects.create(code="youyang-2024", name="酉阳 2024", region_code="500242", year=2024)
    PolicyVersion.objects.create(
        policy=policy, number=1, digest="test", document={"code": "youyang-2024", "enrollment": BLOCK}
    )
    return policy


@pytest.fixture
def year_rows(registry, make_person, village_a, hold):
    """甲 enrolled right (row 4), 乙 twice (5, 6), 丙 not enrolled 异地参保 (7), 丁 subsidised 150 instead of
    250 (8), 戊 covered and absent; a stranger (9). Rows are the sheet's own (title, blank, header first)."""
    absent = make_person(village_a, name="戊")
    hold(absent, "dibao_rural", start=datetime.date(2024, 3, 1))
    hold(registry["丙"], "marginal", start=datetime.date(2024, 1, 1))
    return [
        HEADER,
        [registry["甲"].id_number, "甲", "城乡居民基本医疗保险", "已参保", "150.00", ""],
        [registry["乙"].id_number, "乙", "城乡居民基本医疗保险", "已参保", "150", ""],
        [registry["乙"].id_number, "乙", "城乡居民基本医疗保险", "已参保", "150", ""],
        [registry["丙"].id_number, "丙", "城乡居民基本医疗保险", "未参保", "", "异地参保"],
        [registry["丁"].id_number, "丁", "城乡居民基本医疗保险", "已参保", "150.00", ""],
        [new_id_number(), "路人", "城乡居民基本医疗保险", "已参保", "0", ""],
    ]


def upload(client, content, name="2024年参保名单.xlsx", year=2024):
    data = {"year": year, "file": io.BytesIO(content)}
    data["file"].name = name
    return client.post(reverse("rosters:enrollment_upload"), data)


def test_preview_lists_the_people_to_follow_up_and_confirm_records_them(
    client, county_admin, registry, year_rows, policy
):
    # given
    client.force_login(county_admin)

    # when: the list is uploaded
    response = upload(client, xlsx_bytes(year_rows))

    # then: it is kept for the confirmation, and nothing is recorded yet
    kept = EnrollmentUpload.objects.get()
    assert response.url == reverse("rosters:enrollment_detail", args=[kept.pk])
    assert kept.status == EnrollmentUpload.Status.PREVIEWED
    assert not Enrollment.objects.exists()
    detail = reverse("rosters:enrollment_detail", args=[kept.pk])
    uncovered = client.get(detail, {"list": "uncovered"}).content.decode()
    assert "应保未保（2）" in uncovered
    assert "第 7 行" in uncovered and "已记录未参保原因：异地参保" in uncovered
    assert "戊" in uncovered and "名单中没有此人" in uncovered
    assert registry["丙"].id_number in uncovered  # administrators see full ID numbers
    duplicate = client.get(detail, {"list": "duplicate"}).content.decode()
    assert "重复参保（1）" in duplicate and "第 5 行、第 6 行" in duplicate and "乙" in duplicate
    subsidy = client.get(detail, {"list": "subsidy"}).content.decode()
    assert "资助金额不符（1）" in subsidy and "应资助 250.00 元，记录为 150.00 元" in subsidy
    assert "确认记录参保信息" in subsidy

    # when: the administrator confirms
    response = client.post(reverse("rosters:enrollment_apply", args=[kept.pk]), follow=True)

    # then: the enrollments of the registry's people are recorded, the stranger's are not
    assert "新增 5 条" in response.content.decode()
    kept.refresh_from_db()
    assert (kept.status, kept.applied_by) == (EnrollmentUpload.Status.APPLIED, county_admin)
    assert Enrollment.objects.count() == 5
    record = Enrollment.objects.get(beneficiary=registry["丙"])
    assert (record.status, record.reason, record.recorded_by) == ("not_enrolled", "elsewhere", county_admin)
    assert "确认记录参保信息" not in response.content.decode()

    # and a second confirmation (another tab, a double click) records nothing more
    again = client.post(reverse("rosters:enrollment_apply", args=[kept.pk]), follow=True)
    assert "不能再确认" in again.content.decode()
    assert Enrollment.objects.count() == 5


def test_a_list_with_a_bad_row_is_refused_naming_row_and_column_and_keeps_nothing(
    client, county_admin, year_rows, policy
):
    # given: the subsidy of the second data row (the sheet's row 5) is not an amount
    year_rows[2][4] = "一百五"
    client.force_login(county_admin)

    # when
    response = upload(client, xlsx_bytes(year_rows))

    # then
    text = response.content.decode()
    assert response.status_code == 200
    assert "第 5 行" in text and "财政补助金额" in text and "应为不小于 0、至多两位小数的金额" in text
    assert "未写入任何数据" in text and "确认记录参保信息" not in text
    assert not EnrollmentUpload.objects.exists()
    assert not Enrollment.objects.exists()


def test_a_file_without_the_status_column_is_refused_naming_it(client, county_admin, registry):
    client.force_login(county_admin)
    rows = [["身份证号", "姓名", "险种"], [registry["甲"].id_number, "甲", "城乡居民基本医疗保险"]]

    text = upload(client, xlsx_bytes(rows)).content.decode()

    assert "缺少必需的列" in text and "参保状态" in text
    assert not EnrollmentUpload.objects.exists()


def test_a_township_administrator_sees_neither_the_county_upload_nor_can_confirm_it(
    client, county_admin, admin_a, year_rows, policy
):
    client.force_login(county_admin)
    upload(client, xlsx_bytes(year_rows))
    kept = EnrollmentUpload.objects.get()

    client.force_login(admin_a)
    assert client.get(reverse("rosters:enrollment_detail", args=[kept.pk])).status_code == 404
    assert client.post(reverse("rosters:enrollment_apply", args=[kept.pk])).status_code == 404
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize("who", ["clerk_a", "viewer"])
def test_clerks_and_officials_are_refused(client, request, who, county_admin, year_rows):
    client.force_login(county_admin)
    upload(client, xlsx_bytes(year_rows))
    kept = EnrollmentUpload.objects.get()

    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse("rosters:enrollment_upload")).status_code == 403
    assert upload(client, xlsx_bytes(year_rows)).status_code == 403
    assert client.get(reverse("rosters:enrollment_detail", args=[kept.pk])).status_code == 403
    assert client.post(reverse("rosters:enrollment_apply", args=[kept.pk])).status_code == 403
    assert EnrollmentUpload.objects.count() == 1 and not Enrollment.objects.exists()
