"""``manage.py grant`` and ``fund_status`` as a county's IT would script them: decide and pay, void, refuse with
exit 2 and a Chinese message writing nothing."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from assistance.models import Fund, FundYear, Grant
from monitoring.models import Alert


@pytest.fixture
def temporary(db, county):
    fund = Fund.objects.create(code="temporary", name="临时救助资金", kind=Fund.Kind.GRANTS, region=county)
    FundYear.objects.create(fund=fund, year=2017, budget=Decimal("5000"))
    return fund


def run(*args) -> dict:
    out = StringIO()
    call_command("grant", *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def test_decide_and_pay_then_void(temporary, make_person, village_a, covered, settle, clerk_a):
    from accounts.services import system_user
    from policies.services import policies_load_shipped

    policies_load_shipped(user=system_user())
    person = covered(make_person(village_a, name="田小红"), 2017, ["poor"])
    settle(clerk_a, person, day=datetime.date(2017, 8, 3), total="100000", in_catalog="60000",
           level="city")
    burden = Alert.objects.get().burden
    result = run("--id-number", person.id_number, "--year", "2017", "--kind", "temporary", "--amount", "1500.50",
                 "--fund", "temporary", "--reason", "临时救助", "--on", "2017-10-01", "--paid-on", "2017-10-02",
                 "--user", "clerk_a")
    assert (result["status"], result["amount"]) == ("paid", "1500.50")
    assert Alert.objects.get().burden == burden - Decimal("1500.50")
    out = StringIO()
    call_command("fund_status", "--year", "2017", "--json", stdout=out)
    (fund,) = json.loads(out.getvalue())["funds"]
    assert (fund["paid"], fund["balance"]) == ("1500.50", "3499.50")
    assert run("--void", str(result["grant"]), "--reason", "误发")["status"] == "voided"
    assert Alert.objects.get().burden == burden


def test_refusals_exit_2_and_write_nothing(temporary, make_person, village_a, viewer):
    person = make_person(village_a, name="田小红")
    cases = [
        (["--id-number", person.id_number, "--year", "2017", "--kind", "temporary"], "需要 --amount"),
        (["--id-number", person.id_number, "--year", "2017", "--kind", "temporary", "--amount", "9000",
          "--fund", "temporary", "--reason", "x", "--on", "2017-10-01"], "剩余总额 ¥5,000.00"),
        (["--id-number", person.id_number, "--year", "2017", "--kind", "temporary", "--amount", "10",
          "--fund", "nope", "--reason", "x"], "没有代码为“nope”的基金"),
        (["--id-number", person.id_number, "--year", "2017", "--kind", "temporary", "--amount", "10",
          "--reason", "x", "--user", "viewer"], "不能核定救助金"),
        (["--pay", "999"], "救助金 #999 不存在"),
    ]
    for args, message in cases:
        with pytest.raises(CommandError) as info:
            run(*args)
        assert info.value.returncode == 2 and message in str(info.value), (args, str(info.value))
    assert not Grant.objects.exists()
