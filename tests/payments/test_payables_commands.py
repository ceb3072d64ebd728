"""``payables`` and ``mark_paid_out`` on the command line (commands.md): the JSON, the Excel file, and the
refusals (exit 2, nothing written)."""

from __future__ import annotations

import datetime
import io
import json
import re
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from claims.models import Claim
from payments.models import BatchLine, BatchSequence, PaymentBatch
from policies.document import FUNDS
from tests.payments.conftest import COUNTY_CODE, owed

D = datetime.date
MONEY = re.compile(r"-?\d+\.\d{2}")


def call(*args) -> dict:
    out = io.StringIO()
    call_command(*args, "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def written() -> tuple:
    return (list(PaymentBatch.objects.values_list()), list(BatchLine.objects.values_list()),
            list(BatchSequence.objects.values_list()), list(Claim.objects.values_list("pk", "paid_out_on")))


def test_payables_json_lists_each_hospital_by_fund_with_money_as_text(december):
    # when
    result = call("payables", "--month=2017-12")

    # then
    assert [(h["hospital"], h["name"]) for h in result["hospitals"]] == [("city 医院", "city 医院"),
                                                                          (COUNTY_CODE, "county 医院")]
    county = result["hospitals"][1]
    listed = [december[name] for name in ("a_inpatient", "a_outpatient", "b_inpatient", "b_recorded")]
    assert county["by_fund"] == {fund: str(sum((owed(c)[fund] for c in listed), Decimal("0.00"))) for fund in FUNDS}
    assert county["total"] == str(sum(Decimal(v) for v in county["by_fund"].values()))
    assert result["total"] == str(sum(Decimal(h["total"]) for h in result["hospitals"]))
    amounts = [result["total"], *[h["total"] for h in result["hospitals"]],
               *[v for h in result["hospitals"] for v in h["by_fund"].values()]]
    assert all(isinstance(a, str) and MONEY.fullmatch(a) for a in amounts)


@pytest.mark.parametrize("named", [COUNTY_CODE, "county 医院"])
def test_payables_of_one_hospital_by_code_or_name_with_its_statement(december, tmp_path, named):
    out = tmp_path / "对账单.xlsx"
    result = call("payables", "--month=2017-12", f"--hospital={named}", f"--out={out}")
    assert [h["hospital"] for h in result["hospitals"]] == [COUNTY_CODE]
    assert result["file"] == str(out)
    assert load_workbook(out).sheetnames == ["county 医院"]


def test_payables_without_a_hospital_writes_one_sheet_per_hospital(december, tmp_path):
    out = tmp_path / "all.xlsx"
    call("payables", "--month=2017-12", f"--out={out}")
    assert load_workbook(out).sheetnames == ["city 医院", "county 医院"]


@pytest.mark.parametrize(("args", "message"), [
    (["--month=2017-13"], "月份“2017-13”应写作 YYYY-MM"),
    (["--month=2017-12", "--hospital=H999"], "医疗机构“H999”不存在"),
    (["--month=2017-12", "--out=x.csv"], ".xlsx"),
    (["--month=2017-12", "--area=500242101", "--user=admin_a"], "不在您的管辖区域内"),
])
def test_payables_refusals_exit_2_naming_what(december, admin_a, args, message, tmp_path):
    with pytest.raises(CommandError) as info:
        call("payables", *args)
    assert info.value.returncode == 2
    assert message in str(info.value)


def test_mark_paid_out_makes_a_batch(december):
    result = call("mark_paid_out", "--through=2017-12-31", "--on=2018-01-05")
    batch = PaymentBatch.objects.get()
    assert result == {"paid_out": 6, "batch": batch.number, "lines": batch.lines.count(), "total": str(batch.total)}
    assert Claim.objects.filter(paid_out_on=D(2018, 1, 5)).count() == 6
    assert call("mark_paid_out", "--through=2017-12-31", "--on=2018-01-06") == {
        "paid_out": 0, "batch": None, "lines": 0, "total": "0.00"}


@pytest.mark.parametrize(("username", "args", "message"), [
    ("viewer", [], "您的角色（查询）不能记录拨付"),
    ("clerk_a", [], "您的角色（经办员）不能记录拨付"),
    ("admin_b", ["--area=500242100"], "区域 500242100 不在您的管辖区域内"),
])
def test_mark_paid_out_refused_to_a_read_only_user_and_another_township_writes_nothing(
    december, viewer, clerk_a, admin_b, username, args, message
):
    before = written()
    with pytest.raises(CommandError) as info:
        call("mark_paid_out", "--through=2017-12-31", "--on=2018-01-05", f"--user={username}", *args)
    assert info.value.returncode == 2
    assert str(info.value) == message + ("。" if not message.endswith("。") else "")
    assert written() == before
