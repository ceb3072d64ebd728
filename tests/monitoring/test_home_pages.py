"""The home page shows each role the work waiting in their area, each count opening its list.

Township A (龙潭镇) and B (麻旺镇) of the county; the year is the current one, as the home page's.
Alerts this year: in A, 甲 new at 超标, 乙 new at 预警, 丙 verified, 丁 referred, 戊 new but fallen to 已回落;
in B, 子 new at 超标 and 丑 verified; last year, 庚 in A new at 超标.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import Category, CategoryHolding
from claims.models import Claim, Hospital
from monitoring.models import Alert, Level
from rosters.models import EnrollmentUpload, RosterBatch

YEAR = timezone.localdate().year
NEW, VERIFIED, REFERRED = Alert.Status.NEW, Alert.Status.VERIFIED, Alert.Status.REFERRED


def alert(person, level, status, year=YEAR) -> Alert:
    return Alert.objects.create(
        beneficiary=person, year=year, medical=Decimal("9000.00"), burden=Decimal("9000.00"),
        threshold=Decimal("10000.00"), label="因病返贫监测", level=level, status=status,
    )


@pytest.fixture
def alerts(make_person, village_a, village_b):
    made = {}
    for name, village, level, status, year in [
        ("甲", village_a, Level.OVER, NEW, YEAR),
        ("乙", village_a, Level.WARNING, NEW, YEAR),
        ("丙", village_a, Level.OVER, VERIFIED, YEAR),
        ("丁", village_a, Level.OVER, REFERRED, YEAR),
        ("戊", village_a, Level.NONE, NEW, YEAR),
        ("庚", village_a, Level.OVER, NEW, YEAR - 1),
        ("子", village_b, Level.OVER, NEW, YEAR),
        ("丑", village_b, Level.WARNING, VERIFIED, YEAR),
    ]:
        made[name] = alert(make_person(village, name=name), level, status, year)
    return made


@pytest.fixture
def enter_bill(db):
    hospital = Hospital.objects.create(name="酉阳县人民医院", level="county")

    def enter(user, person, day=datetime.date(YEAR, 1, 5)) -> Claim:
        return Claim.objects.create(
            beneficiary=person, hospital=hospital, visit_type="outpatient", discharged_on=day,
            total=Decimal("100.00"), in_catalog=Decimal("80.00"), entered_by=user,
        )

    return enter


@pytest.fixture
def not_enrolled(make_person, village_a, village_b):
    """Covered people with no enrollment this year: one in A, two in B (查参保)."""
    dibao = Category.objects.get(code="dibao_rural")
    people = [make_person(village_a, name="未参保甲"), make_person(village_b, name="未参保乙"),
              make_person(village_b, name="未参保丙")]
    for person in people:
        CategoryHolding.objects.create(beneficiary=person, category=dibao, source=dibao.source,
                                       start=datetime.date(YEAR, 1, 1))
    return people


def hrefs(html: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(r'href="([^"]+)"', html)]


def main(html: str) -> str:
    return html[html.index("<main>"):]


# --- the clerk --------------------------------------------------------------------------------------


def test_a_clerk_sees_the_new_alerts_of_their_township_only(client, clerk_a, alerts):
    # when
    client.force_login(clerk_a)
    response = client.get(reverse("home"))

    # then: 甲 (超标) and 乙 (预警) of A; not 子 of B, not 戊 fallen back, not last year's 庚
    work = response.context["alerts"]
    assert (work.new_over, work.new_warning) == (1, 1)
    assert [a.beneficiary.name for a in response.context["new_alerts"]] == ["甲", "乙"]
    assert not response.context["sees_referrals"]
    html = main(response.content.decode())
    assert "已核实、待推送" not in html and "子" not in html
    assert reverse("monitoring:alert_detail", args=[alerts["甲"].pk]) in html


def test_the_clerks_counts_open_lists_holding_the_same_people(client, clerk_a, alerts):
    client.force_login(clerk_a)
    html = main(client.get(reverse("home")).content.decode())

    over = next(h for h in hrefs(html) if "status=new" in h and "level=over" in h)
    listed = client.get(over)

    assert listed.status_code == 200
    assert [row.alert.beneficiary.name for row in listed.context["rows"]] == ["甲"]


def test_a_clerk_sees_their_own_last_ten_bills_linking_to_each(
    client, clerk_a, admin_a, person_a, enter_bill
):
    # given: twelve bills by clerk A, then one by a colleague of the same township
    mine = [enter_bill(clerk_a, person_a) for _ in range(12)]
    theirs = enter_bill(admin_a, person_a)
    client.force_login(clerk_a)

    # when
    response = client.get(reverse("home"))

    # then: the last ten, newest first, each linking to its page
    assert [claim.pk for claim in response.context["bills"]] == [claim.pk for claim in reversed(mine[2:])]
    html = main(response.content.decode())
    assert reverse("claim_detail", args=[theirs.pk]) not in html
    assert reverse("claim_detail", args=[mine[0].pk]) not in html
    assert client.get(reverse("claim_detail", args=[mine[-1].pk])).status_code == 200


def test_the_clerks_five_checks_box_counts_their_township_per_check(client, clerk_a, not_enrolled):
    client.force_login(clerk_a)

    response = client.get(reverse("home_five_checks"))

    totals = {check: n for check, _name, n in response.context["totals"]}
    assert totals["enrollment"] == 1  # 未参保甲 of A; not the two of B
    html = response.content.decode()
    link = reverse("monitoring:five_checks_list", args=["enrollment"]) + f"?year={YEAR}"
    assert f'href="{link}"' in html and "查参保未通过" in html
    listed = client.get(link).content.decode()
    assert "未参保甲" in listed and "未参保乙" not in listed


def test_the_home_page_loads_the_five_checks_box_after_itself(client, clerk_a):
    client.force_login(clerk_a)

    html = client.get(reverse("home")).content.decode()

    assert f'hx-get="{reverse("home_five_checks")}"' in html
    assert "htmx.min.js" in html and "<noscript>" in html


# --- the official ------------------------------------------------------------------------------------


def test_an_official_sees_alerts_awaiting_referral_and_new_ones_of_the_county(client, viewer, alerts):
    client.force_login(viewer)

    response = client.get(reverse("home"))

    work = response.context["alerts"]
    assert (work.new_over, work.new_warning, work.verified) == (2, 1, 2)
    assert [a.beneficiary.name for a in response.context["verified_alerts"]] == ["丙", "丑"]
    assert not response.context["enters_bills"]
    html = main(response.content.decode())
    assert "我最近录入的账单" not in html and "名单导入" not in html
    verified = next(h for h in hrefs(html) if "status=verified" in h)
    listed = client.get(verified)
    assert sorted(row.alert.beneficiary.name for row in listed.context["rows"]) == ["丑", "丙"]


def test_the_officials_five_checks_table_has_a_row_per_township(client, viewer, not_enrolled):
    client.force_login(viewer)

    response = client.get(reverse("home_five_checks"))

    rows = {row["name"]: dict(row["cells"]) for row in response.context["rows"]}
    assert (rows["龙潭镇"]["enrollment"], rows["麻旺镇"]["enrollment"]) == (1, 2)
    link = reverse("monitoring:five_checks_list", args=["enrollment"]) + f"?year={YEAR}&area=500242101"
    html = response.content.decode()
    assert link.replace("&", "&amp;") in html
    listed = client.get(link).content.decode()
    assert "未参保乙" in listed and "未参保丙" in listed and "未参保甲" not in listed


# --- the administrator -----------------------------------------------------------------------------


def batch(user, status, *, area="500242", hours_ago=0) -> RosterBatch:
    made = RosterBatch.objects.create(
        source="civil_affairs", month=datetime.date(YEAR, 1, 1), area_code=area, file_name="名单.xlsx",
        file_sha256="0" * 64, status=status, created_by=user,
    )
    RosterBatch.objects.filter(pk=made.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=hours_ago)
    )
    return made


def upload(user, status, *, area="500242", hours_ago=0) -> EnrollmentUpload:
    made = EnrollmentUpload.objects.create(
        year=YEAR, area_code=area, file_name="参保名单.xlsx", file_sha256="0" * 64, status=status,
        created_by=user,
        report={"rows": 1, "uncovered": 0, "duplicate": 0, "subsidy_mismatch": 0},
    )
    EnrollmentUpload.objects.filter(pk=made.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=hours_ago)
    )
    return made


@pytest.fixture
def imports(county_admin, admin_b):
    S = RosterBatch.Status
    return {
        "fresh": batch(county_admin, S.PREVIEWED, hours_ago=1),
        "old": batch(county_admin, S.PREVIEWED, hours_ago=30),
        "stuck": batch(county_admin, S.APPLYING, hours_ago=30),
        "failed": batch(county_admin, S.FAILED, hours_ago=2),
        "failed_long_ago": batch(county_admin, S.FAILED, hours_ago=24 * 10),
        "applied": batch(county_admin, S.APPLIED, hours_ago=48),
        "township_b": batch(admin_b, S.PREVIEWED, area="500242101", hours_ago=1),
        "upload_fresh": upload(county_admin, EnrollmentUpload.Status.PREVIEWED, hours_ago=1),
        "upload_old": upload(county_admin, EnrollmentUpload.Status.PREVIEWED, hours_ago=30),
        "upload_applied": upload(county_admin, EnrollmentUpload.Status.APPLIED, hours_ago=30),
    }


def test_an_administrator_sees_imports_awaiting_confirmation_and_stale_ones(
    client, county_admin, imports, alerts
):
    client.force_login(county_admin)

    response = client.get(reverse("home"))

    work = response.context["imports"]
    # previewed: fresh, old and township B's batch; the fresh and the old enrollment list
    assert (work.batches_previewed, work.uploads_previewed) == (3, 2)
    # stale: the old preview, the stuck apply, the recent failure (not the failure of ten days ago)
    assert {b.pk for b in work.batches_stale_shown} == {imports[k].pk for k in ("old", "stuck", "failed")}
    assert (work.batches_stale, work.uploads_stale) == (3, 1)
    # and the alert boxes of an official
    assert (response.context["alerts"].new_over, response.context["alerts"].verified) == (2, 2)
    html = main(response.content.decode())
    assert reverse("rosters:batch_detail", args=[imports["stuck"].pk]) in html
    assert reverse("rosters:enrollment_detail", args=[imports["upload_old"].pk]) in html
    assert reverse("rosters:batch_detail", args=[imports["applied"].pk]) not in html


def test_a_township_administrator_counts_only_their_townships_imports(client, admin_b, imports):
    client.force_login(admin_b)

    work = client.get(reverse("home")).context["imports"]

    assert (work.batches_previewed, work.batches_stale, work.uploads_previewed) == (1, 0, 0)


def test_the_administrators_counts_open_lists_of_the_same_batches(client, county_admin, imports):
    client.force_login(county_admin)
    links = hrefs(main(client.get(reverse("home")).content.decode()))

    previewed = client.get(next(h for h in links if h.endswith("?status=previewed") and "/rosters/" in h
                                and "enrollment" not in h))
    stale = client.get(next(h for h in links if "attention=1" in h and "enrollment" not in h))
    stale_uploads = client.get(next(h for h in links if "attention=1" in h and "enrollment" in h))

    expected = {imports[k].pk for k in ("fresh", "old", "township_b")}
    assert {b.pk for b in previewed.context["page"]} == expected
    assert {b.pk for b in stale.context["page"]} == {imports[k].pk for k in ("old", "stuck", "failed")}
    assert [u.pk for u in stale_uploads.context["page"]] == [imports["upload_old"].pk]


def test_every_link_of_every_home_page_opens(client, county_admin, clerk_a, viewer, alerts, imports, person_a,
                                             enter_bill):
    enter_bill(clerk_a, person_a)
    for user in (county_admin, clerk_a, viewer):
        client.force_login(user)
        for href in hrefs(main(client.get(reverse("home")).content.decode())):
            if href.startswith("/") and not href.startswith("/people/new") and "/households/new" not in href:
                assert client.get(href).status_code == 200, (user.username, href)


def test_the_home_page_queries_do_not_grow_with_the_rows(client, county_admin, make_person, village_a,
                                                         enter_bill, imports):
    client.force_login(county_admin)
    person = make_person(village_a)
    enter_bill(county_admin, person)
    alert(make_person(village_a, name="一"), Level.OVER, NEW)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))

    for index in range(8):
        enter_bill(county_admin, person)
        alert(make_person(village_a, name=f"多{index}"), Level.OVER, NEW if index % 2 else VERIFIED)
        batch(county_admin, RosterBatch.Status.PREVIEWED, hours_ago=index * 5)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("home"))

    assert len(many) == len(few)
