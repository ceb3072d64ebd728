"""Every management command that writes is held by the role and the area of its ``--user``, as the browser is.

The rule lives in the services, so the commands need no check of their own: run as a read-only user,
or as an administrator of another township, each command exits 2 and the database is exactly as
before; run as the county's administrator, the same command lines do their work.
"""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.services import system_user
from api.models import Partner, Scope
from api.services import partner_save
from beneficiaries.models import Beneficiary, CategoryHolding, Enrollment, Household, Insurance
from claims.models import Adjustment, Claim, Hospital, Settlement
from claims.services import BillFacts, claim_settle
from policies.models import Policy, PolicyVersion
from policies.services import policy_load
from regions.models import Region
from rosters.models import RosterBatch, RosterChange, RosterCreation
from tests import hostile_files as hostile

VECTORS = Path(__file__).resolve().parent / "data" / "vectors"


def state() -> dict:
    """Every row a writing command could add, change or remove."""
    models = [Region, Beneficiary, Household, CategoryHolding, Enrollment, Hospital, Claim, Settlement, Adjustment,
              Policy, PolicyVersion, RosterBatch, RosterChange, RosterCreation, Partner]
    return {
        model.__name__: sorted(model.objects.values_list(*[f.attname for f in model._meta.concrete_fields]))
        for model in models
    }


@pytest.fixture
def county_a(township_a, village_a, make_person, category, tmp_path, county_admin):
    """A person of township A with a category, enrollment and a settled 2017 bill; an applied roster batch;
    and the files each command is given, all about township A."""
    policy_load(user=system_user(), document=json.loads((VECTORS / "youyang-2017.policy.json").read_text()))
    person = make_person(village_a, name="田小红")
    CategoryHolding.objects.create(beneficiary=person, category=category("poor"), source="poverty_office",
                                   start=datetime.date(2017, 1, 1))
    CategoryHolding.objects.create(beneficiary=person, category=category("dibao_rural"), source="civil_affairs",
                                   start=datetime.date(2017, 1, 1))
    Enrollment.objects.create(beneficiary=person, year=2017, insurance=Insurance.objects.get(code="resident_basic"),
                              status="enrolled")
    hospital = Hospital.objects.create(name="酉阳县人民医院", level="county")
    claim = claim_settle(user=system_user(), person=person, bill=BillFacts(
        hospital=hospital, visit_type="inpatient", admitted_on=datetime.date(2017, 8, 1),
        discharged_on=datetime.date(2017, 8, 3), total=Decimal("60000"), in_catalog=Decimal("48000"))).claim
    roster = [["身份证号", "姓名", "类别", "行政区划代码"], [person.id_number, person.name, "农村低保", village_a.code]]
    files = {
        "roster": tmp_path / "roster.xlsx",
        "claims": tmp_path / "claims.xlsx",
        "enrollment": tmp_path / "enrollment.xlsx",
        "regions": tmp_path / "regions.xlsx",
        "policy": tmp_path / "policy.json",
    }
    files["roster"].write_bytes(hostile.workbook(roster))
    files["claims"].write_bytes(hostile.workbook([
        ["身份证号", "姓名", "就诊类型", "医疗机构", "出院日期", "总费用", "政策范围内费用"],
        [person.id_number, person.name, "住院", hospital.name, "2017-09-09", "1000", "800"],
    ]))
    files["enrollment"].write_bytes(hostile.workbook([
        ["身份证号", "姓名", "险种", "参保状态"], [person.id_number, person.name, "城乡居民基本医疗保险", "已参保"],
    ]))
    files["regions"].write_bytes(hostile.workbook([["区划代码", "名称"], [f"{township_a.code}299", "新村"]]))
    document = json.loads((VECTORS / "youyang-2017.policy.json").read_text())
    files["policy"].write_text(json.dumps({**document, "code": "township-a-2017", "region_code": township_a.code}))
    batch = call(["reconcile", str(files["roster"]), "--source=civil_affairs", "--month=2017-06", "--apply",
                  "--user=county_admin"])["batch"]
    partner_save(actor=county_admin, partner=Partner(name="龙潭镇卫生院系统", kind=Partner.Kind.HOSPITAL,
                                                     area=township_a, scopes=[Scope.READ_PEOPLE]))
    return {"claim": claim, "batch": batch, "files": files, "township": township_a.code, "partner": "龙潭镇卫生院系统"}


def call(args: list[str]) -> dict:
    out = io.StringIO()
    call_command(*args, "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def writing_commands(setup: dict) -> list[list[str]]:
    files, township = setup["files"], setup["township"]
    return [
        ["import_regions", str(files["regions"])],
        ["load_policy", str(files["policy"])],
        ["import_claims", str(files["claims"]), "--apply"],
        ["void_claim", str(setup["claim"].pk), "--reason=录入错误"],
        ["resettle", "--year=2017", f"--area={township}"],
        ["hospital_classify", "酉阳县人民医院", "--in-county"],  # settles the county's bills there again
        ["mark_paid_out", "--through=2017-12-31", f"--area={township}"],
        ["revert_batch", str(setup["batch"])],
        ["reconcile", str(files["roster"]), "--source=civil_affairs", "--month=2017-07", "--apply"],
        ["import_enrollment", str(files["enrollment"]), "--year=2017", "--apply"],
        ["partner_save", setup["partner"], "--rate-limit=30", "--scopes=people:read,alerts:read"],
        ["partner_rotate_key", setup["partner"]],
        ["partner_revoke", setup["partner"], "--reason=停用"],  # last: a revoked partner is changed no more
    ]


@pytest.mark.parametrize(
    ("username", "reason"),
    [("viewer", "不能"),
     ("admin_b", "不在您的管辖区域内|没有您管辖区域内|名单中没有一行可用|没有账单|只有县级及以上管辖区域的管理员")],
    ids=["read-only user", "administrator of another township"],
)
def test_every_writing_command_exits_2_and_changes_nothing(county_a, viewer, admin_b, username, reason):
    before = state()
    for command in writing_commands(county_a):
        with pytest.raises(CommandError) as info:
            call([*command, f"--user={username}"])
        assert info.value.returncode == 2, command
        assert any(part in str(info.value) for part in reason.split("|")), (command, str(info.value))
        assert "田小红" not in str(info.value)  # nothing of the person is told to another township
    assert state() == before


def test_the_same_command_lines_work_for_the_countys_administrator(county_a):
    # The control: the refusals above come from the role and the area, not from the command lines.
    before = state()
    for command in writing_commands(county_a):
        call([*command, "--user=county_admin"])
    after = state()
    changed = ("Region", "Policy", "PolicyVersion", "Claim", "Settlement", "RosterBatch", "Partner")
    assert [name for name in changed if after[name] == before[name]] == []


def test_a_read_only_users_refusal_names_the_role_and_the_action(county_a, viewer):
    with pytest.raises(CommandError) as info:
        call(["void_claim", str(county_a["claim"].pk), "--reason=录入错误", "--user=viewer"])
    assert str(info.value) == "您的角色（查询）不能作废账单。"
