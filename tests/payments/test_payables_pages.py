"""The payables page, the statement download, the batch pages (scoped by area) and a new batch through
preview → confirm."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from claims.models import Claim
from payments.models import PaymentBatch
from payments.services import batch_create
from tests.payments.conftest import COUNTY_CODE

D = datetime.date


def test_the_payables_page_lists_the_months_hospitals_with_statements(client, december, county_admin):
    client.force_login(county_admin)
    page = client.get(reverse("payments:payables") + "?month=2017-12").content.decode()
    assert "2017年12月" in page and "county 医院" in page and "city 医院" in page
    assert f"hospital={COUNTY_CODE}" in page and "生成拨付批次" in page


def test_a_township_administrator_sees_only_the_townships_amounts(client, december, admin_a, admin_b):
    client.force_login(admin_b)
    page = client.get(reverse("payments:payables") + "?month=2017-12").content.decode()
    assert "city 医院" not in page  # only 田小红 of township A was there


def test_the_statement_downloads_as_a_workbook(client, december, viewer):
    client.force_login(viewer)
    response = client.get(reverse("payments:statement"), {"month": "2017-12", "hospital": COUNTY_CODE})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["county 医院"]


@pytest.mark.parametrize(("query", "status"), [({"month": "2017-13"}, 400), ({"month": "2017-12", "hospital": "无"}, 404)])
def test_a_bad_month_or_hospital_is_not_a_server_error(client, december, county_admin, query, status):
    client.force_login(county_admin)
    assert client.get(reverse("payments:statement"), query).status_code == status


@pytest.mark.parametrize("username", ["viewer", "clerk_a"])
def test_only_who_may_pay_out_can_make_a_batch(client, december, viewer, clerk_a, username):
    client.force_login({"viewer": viewer, "clerk_a": clerk_a}[username])
    assert client.get(reverse("payments:payables")).status_code == 200
    assert "生成拨付批次" not in client.get(reverse("payments:batch_list")).content.decode()
    assert client.get(reverse("payments:batch_new")).status_code == 403
    assert client.post(reverse("payments:batch_new"), {"through": "2017-12-31", "paid_on": "2018-01-05",
                                                       "confirm": "1", "expected_lines": "0",
                                                       "expected_total": "0"}).status_code == 403
    assert not PaymentBatch.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("payments:payables"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_preview_writes_nothing_and_confirm_makes_the_batch(client, december, county_admin):
    client.force_login(county_admin)
    form = {"through": "2017-12-31", "paid_on": "2018-01-05", "hospital": "", "area": "", "note": "一月拨付"}

    preview = client.post(reverse("payments:batch_new"), {**form, "preview": "1"})
    page = preview.content.decode()
    assert preview.status_code == 200 and "确认生成拨付批次" in page
    assert not PaymentBatch.objects.exists() and not Claim.objects.filter(paid_out_on__isnull=False).exists()
    plan = preview.context["plan"]

    confirmed = client.post(reverse("payments:batch_new"), {
        **form, "confirm": "1", "expected_lines": str(len(plan.lines)), "expected_total": str(plan.total)})
    batch = PaymentBatch.objects.get()
    assert confirmed.status_code == 302 and confirmed["Location"] == reverse("payments:batch_detail", args=[batch.pk])
    assert (batch.bills, batch.total, batch.note, batch.created_by) == (6, plan.total, "一月拨付", county_admin)
    detail = client.get(confirmed["Location"]).content.decode()
    assert batch.number in detail and "田小红" in detail and "白明华" in detail


def test_a_confirm_after_the_bills_changed_is_refused_and_previewed_again(client, december, county_admin):
    client.force_login(county_admin)
    form = {"through": "2017-12-31", "paid_on": "2018-01-05", "hospital": "", "area": "", "note": ""}
    response = client.post(reverse("payments:batch_new"), {**form, "confirm": "1", "expected_lines": "1",
                                                           "expected_total": "1.00"})
    assert response.status_code == 200 and "请重新预览" in response.content.decode()
    assert "确认生成拨付批次" in response.content.decode()  # the new preview, to confirm anew
    assert not PaymentBatch.objects.exists()


def test_batches_are_seen_within_their_area_and_lines_only_of_ones_own(client, december, county_admin, admin_a,
                                                                       admin_b):
    # given: township B's own batch, then a county batch paying township A's bills
    own_b = batch_create(user=admin_b, through=D(2017, 12, 31), paid_on=D(2018, 1, 5))
    county = batch_create(user=county_admin, through=D(2017, 12, 31), paid_on=D(2018, 1, 6))
    client.force_login(admin_a)

    # then: township A sees the county batch (its own lines only), never township B's
    listing = client.get(reverse("payments:batch_list")).content.decode()
    assert county.number in listing and own_b.number not in listing
    assert client.get(reverse("payments:batch_detail", args=[own_b.pk])).status_code == 404
    detail = client.get(reverse("payments:batch_detail", args=[county.pk])).content.decode()
    assert "田小红" in detail and "白明华" not in detail and "您管辖区域内的部分" in detail
    # and the county sees both
    client.force_login(county_admin)
    listing = client.get(reverse("payments:batch_list")).content.decode()
    assert county.number in listing and own_b.number in listing
