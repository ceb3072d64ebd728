"""The clerk's day: the bill list (今日账单) with its search, and the 日结 on the page, in Excel and as a command.

The amounts are the engine's for a 建档立卡 poor person under the 酉阳 2017 vector policy (as in test_views.py):
a 2017-08 inpatient bill of 60000 (in-catalog 48000) at a county hospital leaves ¥9,269.80 to pay, the same
person's 2017-11 bill of 30000 (26000) after it ¥3,581.00.
"""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AccessLog
from claims import selectors
from claims.models import Claim, Settlement
from claims.services import claim_void

D = datetime.date
FIRST_PERSONAL, SECOND_PERSONAL = Decimal("9269.80"), Decimal("3581.00")


@pytest.fixture
def day(load_vector_policy, make_person, village_a, village_b, covered, settle, hospital, clerk_a, clerk_b):
    """Today clerk_a enters two bills of 冉玉梅 and one of 田小红 (voided since), clerk_b one of 白明华
    (township B); clerk_a entered one more bill yesterday."""
    load_vector_policy("youyang-2017")
    ran = covered(make_person(village_a, name="冉玉梅"), 2017, ["poor"])
    tian = covered(make_person(village_a, name="田小红"), 2017, ["poor"])
    bai = covered(make_person(village_b, name="白明华"), 2017, ["poor"])
    first = settle(clerk_a, ran, day=D(2017, 8, 3), total="60000", in_catalog="48000").claim
    second = settle(clerk_a, ran, day=D(2017, 11, 20), total="30000", in_catalog="26000").claim
    voided = settle(clerk_a, tian, day=D(2017, 9, 1), total="10000", in_catalog="8000", level="township").claim
    claim_void(user=clerk_a, claim=voided, reason="重复录入")
    other = settle(clerk_b, bai, day=D(2017, 8, 10), total="20000", in_catalog="16000").claim
    earlier = settle(clerk_a, tian, day=D(2017, 6, 1), total="5000", in_catalog="4000").claim
    Claim.objects.filter(pk=earlier.pk).update(entered_at=timezone.now() - datetime.timedelta(days=1))
    return {"ran": ran, "tian": tian, "bai": bai, "first": first, "second": second, "voided": voided,
            "other": other, "earlier": earlier}


def listed(client, **query) -> set[int]:
    response = client.get(reverse("bill_list"), query)
    assert response.status_code == 200, response.content.decode()
    return {claim.pk for claim in response.context["page"]}


def test_todays_bills_are_the_default_and_a_township_clerk_sees_only_their_township(client, clerk_a, viewer, day):
    client.force_login(clerk_a)
    response = client.get(reverse("bill_list"))
    page = response.content.decode()
    assert {c.pk for c in response.context["page"]} == {day["first"].pk, day["second"].pk, day["voided"].pk}
    assert "今日账单" in page and "共 <strong>3</strong> 张账单" in page and "白明华" not in page
    settlement = day["first"].settlements.get(superseded_at__isnull=True)
    assert settlement.number in page
    assert reverse("claim_slip", args=[day["first"].pk]) in page  # reprint from the list
    assert reverse("person_detail", args=[day["ran"].pk]) in page
    # The voided bill is listed as such, its amounts out of the sums: 60000 + 30000 and what they left to pay.
    assert "已作废，不计入" in page and "其中已作废 1 张" in page
    assert response.context["sums"].total == Decimal("90000.00")
    assert response.context["sums"].personal == FIRST_PERSONAL + SECOND_PERSONAL
    client.force_login(viewer)
    assert listed(client) == {day[name].pk for name in ("first", "second", "voided", "other")}


def test_the_search_by_dates_hospital_township_status_person_and_clerk(client, viewer, clerk_a, clerk_b, day,
                                                                       hospital):
    client.force_login(viewer)
    today, yesterday = timezone.localdate(), timezone.localdate() - datetime.timedelta(days=1)
    assert listed(client, **{"from": yesterday, "to": yesterday}) == {day["earlier"].pk}
    assert listed(client, **{"from": "", "to": ""}) == {day[n].pk for n in ("first", "second", "voided", "other",
                                                                            "earlier")}
    assert listed(client, by="discharged", **{"from": "2017-08-01", "to": "2017-08-31"}) == {day["first"].pk,
                                                                                            day["other"].pk}
    assert listed(client, hospital=hospital("township").pk) == {day["voided"].pk}
    assert listed(client, township="500242101") == {day["other"].pk}
    assert listed(client, status="voided") == {day["voided"].pk}
    assert listed(client, person="冉玉") == {day["first"].pk, day["second"].pk}
    assert listed(client, person=day["bai"].id_number) == {day["other"].pk}
    # Any search without dates is over every date (only the bare address is 今日账单).
    assert listed(client, person=day["tian"].id_number[-6:]) == {day["voided"].pk, day["earlier"].pk}
    assert listed(client, clerk="clerk_b") == {day["other"].pk}
    assert listed(client, clerk="clerk_a", status="settled", **{"from": yesterday, "to": today}) == {
        day["first"].pk, day["second"].pk, day["earlier"].pk}


def test_a_township_clerk_cannot_search_another_township(client, clerk_a, day):
    client.force_login(clerk_a)
    response = client.get(reverse("bill_list"), {"township": "500242101"})
    assert response.status_code == 400 and "乡镇" in response.content.decode()
    assert listed(client, person="白明华", **{"from": "", "to": ""}) == set()


@pytest.mark.parametrize("query, message", [({"from": "2024-13-01"}, "日期无效，应为 YYYY-MM-DD"),
                                            ({"from": "2024-03-02", "to": "2024-03-01"}, "早于开始日期")])
def test_a_bad_search_is_refused_saying_what_was_expected(client, clerk_a, day, query, message):
    client.force_login(clerk_a)
    response = client.get(reverse("bill_list"), query)
    assert response.status_code == 400 and message in response.content.decode()


def test_the_list_reads_a_bounded_number_of_queries(client, viewer, day, settle, clerk_a,
                                                    django_assert_max_num_queries):
    client.force_login(viewer)
    client.get(reverse("bill_list"))  # the session and permissions are warm
    with django_assert_max_num_queries(13) as few:
        listed(client)
    for offset in range(12):
        settle(clerk_a, day["ran"], day=D(2017, 12, 1) + datetime.timedelta(days=offset), total="100",
               in_catalog="80")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(listed(client)) == 16


def test_the_day_tally_to_the_cent_with_the_voided_bill_apart(clerk_a, day):
    tally = selectors.day_tally(clerk_a, day=timezone.localdate())
    whole = tally.all
    assert [c.pk for c in whole.bills] == [day["first"].pk, day["second"].pk, day["voided"].pk]
    assert (len(whole.bills), len(whole.settled), whole.voided) == (3, 2, 1)
    assert whole.total == Decimal("90000.00")
    assert whole.personal == Decimal("12850.80")
    assert whole.paid == Decimal("77149.20")
    stored = Settlement.objects.current().filter(claim__in=[day["first"], day["second"]])
    for fund, amount in whole.by_fund.items():
        assert amount == sum(getattr(s, fund) for s in stored), fund
    # The first bill: basic 33495.00, critical 3705.50, assistance 6479.70, other 2100.00 + 4950.00 (test_views.py);
    # the second after it: 18095.00, 3952.50, 2371.50, 2000.00 (30000 − 3581.00 in all).
    assert whole.by_fund == {"basic": Decimal("51590.00"), "critical": Decimal("7658.00"),
                             "assistance": Decimal("8851.20"), "other": Decimal("9050.00")}


def test_the_day_tally_page_per_clerk_and_its_print_view(client, viewer, day):
    client.force_login(viewer)
    page = client.get(reverse("day_tally")).content.decode()
    assert "clerk_a" in page and "clerk_b" in page  # the county's day: both townships' clerks
    only_a = client.get(reverse("day_tally"), {"clerk": "clerk_a"})
    assert only_a.context["tally"].all.personal == Decimal("12850.80")
    printed = client.get(reverse("day_tally_print"), {"clerk": "clerk_a"}).content.decode()
    for text in ("css/day-tally.css", "¥12,850.80", "壹万贰仟捌佰伍拾元捌角", "经办人签字", "data-print"):
        assert text in printed, text
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert [c.pk for c in client.get(reverse("day_tally"), {"date": yesterday}).context["tally"].all.bills] == [
        day["earlier"].pk]
    assert client.get(reverse("day_tally"), {"clerk": "nobody"}).status_code == 400


def test_the_day_tally_workbook_and_its_access_log(client, clerk_a, day):
    client.force_login(clerk_a)
    response = client.get(reverse("day_tally"), {"format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    summary, bills = book["日结汇总"], book["账单明细"]
    rows = [[cell.value for cell in row] for row in summary.iter_rows(min_row=5, max_row=6)]
    assert rows[0][:3] == ["clerk_a", 3, 1] and rows[1][:3] == ["合计", 3, 1]
    assert rows[1][3] == 90000 and rows[1][-1] == pytest.approx(12850.80)
    lines = [[cell.value for cell in row] for row in bills.iter_rows(min_row=2)]
    assert [line[1] for line in lines] == [str(day[n].pk) for n in ("first", "second", "voided")]
    assert lines[2][10] == "已作废" and lines[2][11] is None  # the voided bill's amounts left out
    assert lines[0][-1] == pytest.approx(9269.80) and "*" in lines[0][6]  # a clerk sees masked ID numbers
    log = AccessLog.objects.get(object_id="day_tally")
    assert (log.user, log.action, log.rows) == (clerk_a, AccessLog.Action.EXPORT, 3)


def run(*args) -> dict:
    out = io.StringIO()
    call_command("day_tally", *args, "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def test_the_command_gives_the_same_day_as_json_and_writes_the_workbook(clerk_a, clerk_b, viewer, day, tmp_path):
    result = run("--user", "clerk_a")
    assert result["date"] == timezone.localdate().isoformat() and result["area_name"] == "龙潭镇"
    assert (result["bills"], result["settled"], result["voided"]) == (3, 2, 1)
    assert (result["total"], result["personal"], result["paid"]) == ("90000.00", "12850.80", "77149.20")
    assert set(result["by_fund"]) == {"basic", "critical", "assistance", "other"}
    assert [part["username"] for part in result["clerks"]] == ["clerk_a"]
    county = run("--user", "viewer")
    assert [part["username"] for part in county["clerks"]] == ["clerk_a", "clerk_b"]
    assert run("--user", "viewer", "--area", "500242101")["bills"] == 1
    assert run("--user", "viewer", "--clerk", "clerk_b")["clerks"][0]["bills"] == 1
    said = io.StringIO()
    call_command("day_tally", "--user", "clerk_a", stdout=io.StringIO(), stderr=said)
    assert "合计 3 张账单（其中已作废 1 张，不计入金额）：总费用 90000.00" in said.getvalue()
    out = tmp_path / "日结.xlsx"
    assert run("--user", "clerk_a", "--out", str(out))["file"] == str(out)
    assert load_workbook(out)["账单明细"].max_row == 4


@pytest.mark.parametrize("args, message", [
    (["--user", "clerk_a", "--date", "2024-02-30"], "应为 YYYY-MM-DD"),
    (["--user", "clerk_a", "--area", "500242101"], "不在您的管辖区域"),
    (["--user", "clerk_a", "--clerk", "clerk_b"], "不存在或不在您的管辖区域内"),
])
def test_the_command_refuses_what_it_cannot_do(clerk_a, clerk_b, day, args, message):
    with pytest.raises(CommandError, match=message) as refused:
        run(*args)
    assert refused.value.returncode == 2
