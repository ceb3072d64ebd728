"""export_ledger and export_stats: JSON output, the acting user's area, and refused input (exit 2)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from accounts.models import AccessLog
from tests.ledgers.conftest import YEAR


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args) -> str:
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert caught.value.returncode == 2
    return str(caught.value)


def test_export_ledger_writes_the_file_and_prints_the_rows(county_2017, tmp_path):
    path = tmp_path / "ledger.xlsx"
    out, _ = run("export_ledger", "--area", "500242", "--from", f"{YEAR}-01-01", "--to", f"{YEAR}-12-31",
                 "--out", str(path), "--json")
    assert json.loads(out)["rows"] == 3
    assert load_workbook(path).worksheets[0]["D7"].value == "田小红"
    assert AccessLog.objects.get().user.username == "system"


def test_export_ledger_as_a_township_clerk_lists_only_the_township(county_2017, clerk_a, tmp_path):
    path = tmp_path / "ledger.xlsx"
    out, _ = run("export_ledger", "--area", "500242100", "--from", f"{YEAR}-01-01", "--to", f"{YEAR}-12-31",
                 "--out", str(path), "--user", "clerk_a", "--json")
    assert json.loads(out)["rows"] == 2
    names = [row[3].value for row in load_workbook(path).worksheets[0].iter_rows(min_row=7)]
    assert "白明华" not in names
    # clerk_a sees sensitive data only when granted: the IDs are masked
    assert "*" in load_workbook(path).worksheets[0]["E7"].value


def test_export_ledger_as_of_a_day(county_2017, tmp_path):
    path = tmp_path / "ledger.xlsx"
    out, _ = run("export_ledger", "--area", "500242", "--from", f"{YEAR}-10-01", "--to", f"{YEAR}-10-31",
                 "--as-of", f"{YEAR}-07-01", "--out", str(path), "--json")
    assert json.loads(out)["rows"] == 2
    assert load_workbook(path).worksheets[0]["H7"].value == "是"


@pytest.mark.parametrize("arguments, option", [
    (["--from", "2017-01-01", "--to", "2017-12-31"], "--area"),
    (["--area", "500242", "--to", "2017-12-31"], "--from"),
    (["--area", "500242", "--from", "2017-13-01", "--to", "2017-12-31"], "--from"),
    (["--area", "500242", "--from", "2017-12-31", "--to", "2017-01-01"], "--from/--to"),
    (["--area", "500242", "--from", "2017-01-01", "--to", "2017-12-31", "--as-of", "7/1"], "--as-of"),
    (["--area", "5002421", "--from", "2017-01-01", "--to", "2017-12-31"], "--area"),
    (["--area", "500242101", "--from", "2017-01-01", "--to", "2017-12-31", "--user", "clerk_a"], "--area"),
    (["--area", "500242999", "--from", "2017-01-01", "--to", "2017-12-31"], "--area"),
])
def test_export_ledger_refuses_bad_options_naming_them(county_2017, tmp_path, arguments, option):
    path = tmp_path / "ledger.xlsx"
    message = refused("export_ledger", *arguments, "--out", str(path))
    assert option in message
    assert not path.exists() and not AccessLog.objects.exists()


def test_export_ledger_refuses_an_output_it_cannot_write(county_2017, tmp_path):
    message = refused("export_ledger", "--area", "500242", "--from", "2017-01-01", "--to", "2017-12-31",
                      "--out", str(tmp_path / "missing" / "ledger.xlsx"))
    assert "--out" in message


def test_export_stats(county_2017, tmp_path):
    path = tmp_path / "stats.xlsx"
    out, _ = run("export_stats", "--quarter", f"{YEAR}Q3", "--area", "500242", "--out", str(path), "--json")
    result = json.loads(out)
    assert (result["people"], result["townships"]) == (2, 2)
    assert load_workbook(path).sheetnames == ["按乡镇", "按身份类别", "月度趋势", "健康扶贫覆盖", "就业扶贫", "产业扶贫参与",
                                              "产业项目库"]


@pytest.mark.parametrize("arguments, option", [
    (["--area", "500242"], "--quarter"),
    (["--quarter", "2017Q5", "--area", "500242"], "--quarter"),
    (["--quarter", "2017Q3"], "--area"),
    (["--quarter", "2017Q3", "--area", "500242", "--user", "clerk_a"], "--area"),
])
def test_export_stats_refuses_bad_options_naming_them(county_2017, tmp_path, arguments, option):
    path = tmp_path / "stats.xlsx"
    assert option in refused("export_stats", *arguments, "--out", str(path))
    assert not path.exists()
