"""The health coverage in the quarterly statistics (page, workbook) and the health_coverage command, on the county
counted by hand in coverage_county.py."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from config.periods import quarter_period
from ledgers.selectors import quarter_stats
from ledgers.services import stats_export_write
from tests.health.coverage_county import DAY, coverage_county, hospital, load_vector_policy, settle  # noqa: F401

pytestmark = pytest.mark.django_db
Q2 = quarter_period(2017, 2)


def test_the_statistics_carry_the_coverage_on_the_quarters_last_day(county_admin, coverage_county):
    health = quarter_stats(county_admin, area_code="500242", period=Q2).health
    first, second = health.townships
    assert (health.day, health.since) == (DAY, Q2.first)
    assert [first.rate(m) for m in ("contracts", "records", "cards", "treatment")] == [
        Decimal("0.3333"), Decimal("0.5"), Decimal("0.25"), Decimal("0.5")]
    assert (second.rate("contracts"), second.rate("treatment")) == (1, None)
    assert (health.total.households, health.total.people, health.total.rate("cards")) == (4, 5, Decimal("0.4"))


def test_the_statistics_page_shows_the_table_with_its_lists(client, county_admin, coverage_county):
    client.force_login(county_admin)
    text = client.get(reverse("ledger_stats"), {"area": "500242", "quarter": "2017Q2"}).content.decode()
    assert "健康扶贫覆盖情况（2017-06-30）" in text
    assert '<tr data-township="500242100">' in text
    assert 'data-measure="contracts">33.33%<span class="goal-flag">未达标</span>' in text
    assert 'data-measure="in_county"' not in text.split("健康扶贫覆盖情况")[1].split("按就诊类型")[0]
    assert '/health/missing/contracts/?area=500242&amp;day=2017-06-30' in text  # the total's list


def test_the_statistics_workbook_has_a_coverage_sheet(county_admin, coverage_county):
    target = io.BytesIO()
    stats_export_write(user=county_admin, area_code="500242", period=Q2, target=target)
    sheet = load_workbook(io.BytesIO(target.getvalue()))["健康扶贫覆盖"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert rows["龙潭镇"][1:5] == (3, 1, 2, pytest.approx(1 / 3, abs=1e-4))
    assert rows["龙潭镇"][-1] == "家庭医生签约率、健康档案建档率、健康卡发放率、分类救治率"
    assert rows["麻旺镇"][13:16] == (0, 0, 0) and rows["麻旺镇"][16] is None and rows["麻旺镇"][-1] == ""
    assert rows["合计"][5:9] == (5, 3, 2, pytest.approx(0.6))


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("health_coverage", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_prints_the_rows_as_json(coverage_county):
    out, _ = run("--area", "500242", "--day", DAY.isoformat(), "--json")
    result = json.loads(out)
    first = result["townships"][0]
    assert (first["code"], first["households"], first["contracted"], first["inpatient"], first["in_county"]) == (
        "500242100", 3, 1, 2, 1)
    assert first["rates"]["records"] == "0.5000" and set(first["below_goal"]) == {
        "contracts", "records", "cards", "treatment", "in_county"}
    assert result["total"]["rates"]["in_county"] == "0.6667" and result["since"] == "2017-01-01"


def test_the_command_takes_a_quarter_and_the_users_area(coverage_county, clerk_a):
    _, err = run("--quarter", "2017Q2", "--user", clerk_a.username)
    assert "龙潭镇（500242100）" in err and "麻旺镇" not in err
    assert "县域内就诊率 0.00%（未达标）" in err and "2017-04-01 至 2017-06-30" in err


@pytest.mark.parametrize(("arguments", "message"), [
    (["--quarter", "2017Q5"], "应写作 年份Q季度"),
    (["--day", "2017-13-01"], "--day"),
    (["--area", "500242101", "--user", "clerk_a"], "500242101"),
])
def test_the_command_refuses_bad_input(coverage_county, arguments, message):
    with pytest.raises(CommandError) as caught:
        run(*arguments)
    assert caught.value.returncode == 2 and message in str(caught.value)
