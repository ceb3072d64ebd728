"""The employment pages: the overview and its lists on the county counted by hand, the child's page with its
forms writing through the services; each user sees their own area, an official reads without forms."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import AccessLog
from employment import rules
from employment.models import ChildSurvey, FollowUpVisit, Placement, Support
from tests.employment.ledger_county import TODAY, ledger_county  # noqa: F401  (the fixture)

DAY = datetime.timedelta(days=1)


def post(client, url, form, **fields):
    data = {f"{form}-{name}": value.isoformat() if isinstance(value, datetime.date) else value
            for name, value in fields.items()}
    return client.post(url, {"action": form, **data})


SURVEY = {"year": TODAY.year, "school": "酉阳职教中心", "level": "secondary_vocational", "major": "数控技术",
          "graduation_year": TODAY.year - 1, "intention": "县内企业", "needs": "岗位推荐",
          "surveyed_on": TODAY.replace(month=1, day=1), "surveyed_by": "冉干部"}


def test_a_clerk_records_a_survey_a_placement_and_a_visit_and_sees_the_lists_move(client, clerk_a, child_a):
    client.force_login(clerk_a)
    url = reverse("employment:person", args=[child_a.pk])
    page = client.get(url).content.decode()
    assert 'value="start"' not in page  # no placement before a survey
    assert post(client, url, "survey", **SURVEY).status_code == 302
    assert ChildSurvey.objects.get(person=child_a).recorded_by == clerk_a
    unplaced = reverse("employment:unplaced")
    assert f'data-person="{child_a.pk}"' in client.get(unplaced).content.decode()

    response = post(client, url, "start", kind="enterprise", employer="龙潭食品厂", starts_on=TODAY + DAY)
    assert "晚于今天" in response.content.decode()
    start = TODAY - 100 * DAY
    assert post(client, url, "start", kind="enterprise", employer="龙潭食品厂", starts_on=start).status_code == 302
    placement = Placement.objects.get(person=child_a)
    assert f'data-person="{child_a.pk}"' not in client.get(unplaced).content.decode()
    due = client.get(reverse("employment:visits_due")).content.decode()
    assert f'data-person="{child_a.pk}"' in due
    assert f'data-person="{child_a.pk}"' in client.get(reverse("employment:at_risk")).content.decode()
    page = client.get(url).content.decode()
    assert f'data-stable-until="{rules.stable_until(start).isoformat()}"' in page and "还有" in page

    response = post(client, url, "visit", target=placement.pk, visited_on=TODAY - 5 * DAY, visitor="冉干部",
                    status="stable", difficulties="", action="")
    assert response.status_code == 302
    assert FollowUpVisit.objects.get(placement=placement).recorded_by == clerk_a
    assert f'data-person="{child_a.pk}"' not in client.get(reverse("employment:visits_due")).content.decode()
    assert f'data-person="{child_a.pk}"' not in client.get(reverse("employment:at_risk")).content.decode()

    response = post(client, url, "end", target=placement.pk, ends_on=TODAY - 6 * DAY, reason="辞职")
    assert f"早于 {(TODAY - 5 * DAY).isoformat()} 的回访" in response.content.decode()
    assert post(client, url, "end", target=placement.pk, ends_on=TODAY - DAY, reason="辞职").status_code == 302
    assert f'data-person="{child_a.pk}"' in client.get(reverse("employment:at_risk")).content.decode()
    assert f'data-person="{child_a.pk}"' in client.get(unplaced).content.decode()
    page = client.get(url).content.decode()
    assert "离岗日期：（空） → " + (TODAY - DAY).isoformat() in page and "clerk_a" in page


def test_support_is_given_and_voided_from_the_page(client, clerk_a, child_a, survey):
    survey(child_a)
    client.force_login(clerk_a)
    url = reverse("employment:person", args=[child_a.pk])
    response = post(client, url, "support", kind="subsidy", given_on=TODAY, amount="", provider="县人社局", detail="")
    assert "补助和贷款请填写金额。" in response.content.decode()
    assert post(client, url, "support", kind="subsidy", given_on=TODAY, amount="1000.50", provider="县人社局",
                detail="").status_code == 302
    support = Support.objects.get(person=child_a)
    assert "¥1,000.50" in client.get(url).content.decode()
    assert post(client, url, "void", target=support.pk, voided_on=TODAY, reason="重复").status_code == 302
    support.refresh_from_db()
    assert support.voided_on == TODAY


def test_a_township_clerk_sees_their_township_only(client, clerk_a, ledger_county):
    client.force_login(clerk_a)
    assert client.get(reverse("employment:person", args=[ledger_county["b1"].pk])).status_code == 404
    overview = client.get(reverse("employment:overview")).content.decode()
    assert 'data-township="500242100"' in overview and 'data-township="500242101"' not in overview
    unplaced = client.get(reverse("employment:unplaced")).content.decode()
    assert f'data-person="{ledger_county["a3"].pk}"' in unplaced
    assert f'data-person="{ledger_county["b1"].pk}"' not in unplaced
    page = client.get(reverse("employment:person", args=[ledger_county["a2"].pk])).content.decode()
    assert 'name="action" value="visit"' in page
    response = post(client, reverse("employment:person", args=[ledger_county["a2"].pk]), "visit",
                    target=Placement.objects.get(person=ledger_county["b2"]).pk, visited_on=TODAY, visitor="冉",
                    status="stable")
    assert response.status_code == 200 and not FollowUpVisit.objects.filter(visited_on=TODAY).exists()


def test_an_official_reads_everything_of_the_county_without_forms(client, viewer, ledger_county):
    client.force_login(viewer)
    url = reverse("employment:person", args=[ledger_county["b1"].pk])
    page = client.get(url).content.decode()
    assert "白一" in page and 'name="action"' not in page
    assert post(client, url, "survey", **SURVEY).status_code == 403
    overview = client.get(reverse("employment:overview")).content.decode()
    assert 'data-township="500242100"' in overview and 'data-township="500242101"' in overview
    assert 'data-column="subsidy_amount">¥1,000.50' in overview
    assert 'data-column="placement_rate">66.67%' in overview
    assert f'{reverse("employment:at_risk")}?area=500242101&amp;day={TODAY.isoformat()}' in overview


def test_the_overview_and_the_lists_download_as_excel(client, viewer, ledger_county):
    client.force_login(viewer)
    response = client.get(reverse("employment:overview"), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    title, *rows = sheet.iter_rows(values_only=True)
    assert "贫困家庭子女就业情况" in title[0]
    assert rows[0][:4] == ("乡镇（街道）", "摸排子女", "已毕业", "已就业")
    assert [row[0] for row in rows[1:]] == ["龙潭镇", "麻旺镇", "合计"]
    assert rows[3][1:6] == (7, 6, 4, 0.6667, 2)
    assert sheet.cell(row=5, column=5).number_format == "0.00%"

    response = client.get(reverse("employment:unplaced"), {"area": "500242", "format": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[3] for row in rows[1:]] == ["冉三", "白一"]
    assert rows[1][4].startswith("5002") and "*" in rows[1][4]  # masked for an official
    assert AccessLog.objects.filter(user=viewer, action=AccessLog.Action.EXPORT, object_id="employment:unplaced",
                                    rows=2).exists()


def test_reading_a_list_goes_to_the_access_log(client, viewer, ledger_county):
    client.force_login(viewer)
    page = client.get(reverse("employment:at_risk"), {"area": "500242"}).content.decode()
    assert "冉二" in page and "白一" in page
    log = AccessLog.objects.get(user=viewer, object_id="employment:at_risk")
    assert (log.action, log.rows) == (AccessLog.Action.VIEW_PERSON, 2)


@pytest.mark.parametrize("name", ["employment:overview", "employment:unplaced"])
def test_an_area_outside_the_users_is_refused(client, clerk_a, name):
    client.force_login(clerk_a)
    response = client.get(reverse(name), {"area": "500242101"})
    assert "区域" in response.content.decode()
    assert 'data-township="500242101"' not in response.content.decode()
