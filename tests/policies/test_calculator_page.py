"""明白卡: the date filled in the form a date input takes, the policies of the user's area by name, and a
reason in Chinese whenever it cannot compute."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.services import system_user
from claims.calculator_views import _same_day_in
from policies.models import PolicyVersion
from policies.services import policy_load
from tests.conftest import _user

ROOT = Path(__file__).resolve().parent.parent.parent
YOUYANG = ROOT / "tests" / "data" / "vectors" / "youyang-2017.policy.json"
EWENKI = ROOT / "policies" / "data" / "ewenki-2023.json"  # 内蒙古: another province
YOUYANG_LABEL = "酉阳自治县健康扶贫（示例） · 2017 年 · 第 1 版 · 酉阳土家族苗族自治县"


@pytest.fixture
def policies(db):
    load = lambda path: policy_load(user=system_user(), document=json.loads(path.read_text(encoding="utf-8")))[0]  # noqa: E731
    return {"youyang": load(YOUYANG), "ewenki": load(EWENKI)}


def options(html: str) -> list[str]:
    select = re.search(r'<select name="version".*?</select>', html, re.S).group(0)
    return re.findall(r"<option [^>]*>([^<]*)</option>", select)


def post(client, user, **fields):
    client.force_login(user)
    version = PolicyVersion.objects.get(policy__code="youyang-2017")
    data = {"version": version.pk, "date": "2017-08-03", "visit_type": "inpatient", "hospital_level": "county",
            "insurances": ["resident_basic"]} | fields
    return client.post(reverse("calculator"), data, HTTP_HX_REQUEST="true").content.decode()


def test_the_date_is_filled_in_iso_form_so_a_date_input_shows_it(client, clerk_a, policies):
    client.force_login(clerk_a)
    html = client.get(reverse("calculator")).content.decode()
    expected = _same_day_in(2017).isoformat()
    assert re.search(r'<input type="date" name="date" value="([^"]*)"', html).group(1) == expected


def test_a_township_clerk_sees_the_countys_policy_by_name_and_not_another_provinces(client, clerk_a, policies):
    client.force_login(clerk_a)
    html = client.get(reverse("calculator")).content.decode()
    assert options(html) == [YOUYANG_LABEL]
    assert "youyang-2017" not in html and "鄂温克" not in html
    assert f"<h2>{YOUYANG_LABEL}</h2>" in html


def test_a_user_of_the_whole_country_sees_every_policy_named_with_its_years_and_area(client, policies):
    everywhere = _user("national", Role.VIEWER, None)
    client.force_login(everywhere)
    labels = options(client.get(reverse("calculator")).content.decode())
    assert labels == ["鄂温克族自治旗医疗保障巩固拓展脱贫攻坚成果 2023 · 2023–2025 年 · 第 1 版 · 鄂温克族自治旗",
                      YOUYANG_LABEL]


def test_another_provinces_policy_cannot_be_posted(client, clerk_a, policies):
    client.force_login(clerk_a)
    html = client.post(reverse("calculator"), {
        "version": PolicyVersion.objects.get(policy__code="ewenki-2023").pk, "date": "2023-05-01",
        "visit_type": "inpatient", "hospital_level": "county", "total": "1000", "in_catalog": "800",
    }, HTTP_HX_REQUEST="true").content.decode()
    assert "未能计算" in html and "报销政策：" in html and "鄂温克" not in html


def test_it_computes_from_the_filled_date(client, clerk_a, policies):
    html = post(client, clerk_a, date=_same_day_in(2017).isoformat(), total="60000", in_catalog="48000",
                categories=["poor"])
    assert "¥33,495.00" in html and "未能计算" not in html


@pytest.mark.parametrize("fields, reason", [
    ({"total": "1000"}, "政策范围内费用（元）：请填写金额。"),
    ({"date": "", "total": "1000", "in_catalog": "800"}, "出院/就诊日期："),
    ({"date": "2018-01-05", "total": "1000", "in_catalog": "800"}, "出院/就诊日期：该政策适用于 2017 年的账单。"),
    ({"total": "100", "in_catalog": "200"}, "政策范围内费用（元）：政策范围内费用不能超过总费用。"),
])
def test_when_it_cannot_compute_it_says_why_in_chinese(client, clerk_a, policies, fields, reason):
    html = post(client, clerk_a, **fields)
    assert "未能计算" in html and reason in html
    assert "<table" not in html  # no result that could be read as one
