"""``manage.py reimburse POLICY CLAIMS``: the command-line contract of ``reimbursement.md``."""

from __future__ import annotations

import copy
import io
import json
import re
import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from policies.engine import iter_settlements
from policies.management.commands import reimburse

from .builders import VECTOR_SETS, VECTORS, read_vector

ROOT = Path(__file__).resolve().parents[2]


def run(policy_path, claims_path) -> dict:
    out, err = StringIO(), StringIO()
    call_command("reimburse", str(policy_path), str(claims_path), stdout=out, stderr=err)
    assert err.getvalue() == ""
    return json.loads(out.getvalue())


def refused(policy_path, claims_path) -> str:
    """The command's message; asserts it exits with status 2 and prints nothing on standard output."""
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("reimburse", str(policy_path), str(claims_path), stdout=out, stderr=StringIO())
    assert caught.value.returncode == 2
    assert out.getvalue() == ""
    return str(caught.value)


def write(path: Path, data) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def only_contract_keys(results: list[dict]) -> list[dict]:
    """The results without the keys the contract welcomes but does not require."""
    trimmed = copy.deepcopy(results)
    for result in trimmed:
        result["payments"] = [{k: p[k] for k in ("layer", "fund", "amount")} for p in result["payments"]]
    return trimmed


@pytest.mark.parametrize("name", VECTOR_SETS)
def test_conformance_vectors(name):
    # when
    output = run(VECTORS / f"{name}.policy.json", VECTORS / f"{name}.claims.json")

    # then
    assert only_contract_keys(output["results"]) == read_vector(name, "expected")["results"]


def test_each_payment_carries_its_name_and_explanation():
    # when
    output = run(VECTORS / "youyang-2017.policy.json", VECTORS / "youyang-2017.claims.json")

    # then
    critical = output["results"][0]["payments"][1]
    assert critical["name"] == "城乡居民大病保险"
    assert "(14,505.00−7,094.00)×50% = 3,705.50" in critical["explanation"]
    assert critical["applied"] is True and critical["recorded"] is False
    assert critical["base_added"] == "14505.00"


def test_money_may_be_json_numbers_and_other_claim_keys_are_ignored(tmp_path):
    # given: the public examples with every amount as a JSON number and a note on each claim
    claims = read_vector("public-examples", "claims")
    for item in claims["claims"]:
        item["total"] = Decimal(item["total"])
        item["in_catalog"] = int(Decimal(item["in_catalog"]))
        item["recorded"] = {code: Decimal(amount) for code, amount in item.get("recorded", {}).items()}
        item["note"] = "备注"
    text = json.dumps(claims, default=str).replace('"150300.00"', "150300.00").replace('"68828.00"', "68828")
    claims_path = write(tmp_path / "claims.json", text)

    # when
    output = run(VECTORS / "public-examples.policy.json", claims_path)

    # then
    assert only_contract_keys(output["results"]) == read_vector("public-examples", "expected")["results"]


def test_an_empty_claims_list_gives_no_results(tmp_path):
    output = run(VECTORS / "youyang-2017.policy.json", write(tmp_path / "c.json", {"claims": []}))
    assert output == {"results": []}


def test_a_file_with_a_byte_order_mark_is_read(tmp_path):
    text = (VECTORS / "youyang-2017.claims.json").read_text(encoding="utf-8")
    path = tmp_path / "bom.json"
    path.write_text(text, encoding="utf-8-sig")
    assert len(run(VECTORS / "youyang-2017.policy.json", path)["results"]) == 5


# --- Refusals -----------------------------------------------------------------------------------

GOOD_CLAIM = {
    "id": "X1",
    "person": "500242198001010016",
    "categories": ["poor"],
    "insurances": ["resident_basic"],
    "visit_type": "inpatient",
    "hospital_level": "county",
    "date": "2017-08-03",
    "total": "60000.00",
    "in_catalog": "48000.00",
}


def with_claim(**changes) -> dict:
    item = {**GOOD_CLAIM, **changes}
    for key, value in changes.items():
        if value is None:
            del item[key]
    return {"claims": [GOOD_CLAIM | {"id": "X0"}, item]}


BAD_CLAIMS = {
    "unknown recorded layer": (
        with_claim(recorded={"hifp_pay": "100.00"}),
        '第 2 条账单（编号 "X1"）的字段 "recorded.hifp_pay"：政策中没有这一层',
    ),
    "in catalog above total": (
        with_claim(in_catalog="60000.01"),
        '第 2 条账单（编号 "X1"）的字段 "in_catalog"：政策范围内费用不能超过总费用',
    ),
    "negative total": (
        with_claim(total="-1.00", in_catalog="0"),
        '第 2 条账单（编号 "X1"）的字段 "total"：金额不能为负数',
    ),
    "negative recorded amount": (
        with_claim(recorded={"basic": "-5"}),
        '第 2 条账单（编号 "X1"）的字段 "recorded.basic"：金额不能为负数',
    ),
    "fractions of a fen": (
        with_claim(in_catalog="100.005"),
        '第 2 条账单（编号 "X1"）的字段 "in_catalog"：金额最多两位小数',
    ),
    "amount as words": (
        with_claim(total="六万"),
        '第 2 条账单（编号 "X1"）的字段 "total"：' + reimburse.NOT_MONEY,
    ),
    "unknown visit type": (
        with_claim(visit_type="emergency"),
        '第 2 条账单（编号 "X1"）的字段 "visit_type"：未知就诊类型 "emergency"',
    ),
    "unknown hospital level": (
        with_claim(hospital_level="national"),
        '第 2 条账单（编号 "X1"）的字段 "hospital_level"：未知医疗机构级别 "national"',
    ),
    "impossible date": (
        with_claim(date="2017-02-30"),
        '第 2 条账单（编号 "X1"）的字段 "date"：' + reimburse.NOT_DATE,
    ),
    "date in another format": (
        with_claim(date="2017/08/03"),
        '第 2 条账单（编号 "X1"）的字段 "date"：' + reimburse.NOT_DATE,
    ),
    "missing field": (
        with_claim(in_catalog=None),
        '第 2 条账单（编号 "X1"）的字段 "in_catalog"：缺少必填字段',
    ),
    "missing id": (with_claim(id=None), '第 2 条账单的字段 "id"：缺少必填字段'),
    "categories not a list": (
        with_claim(categories="poor"),
        '第 2 条账单（编号 "X1"）的字段 "categories"：' + reimburse.NOT_TEXT_LIST,
    ),
    "recorded not an object": (
        with_claim(recorded=["basic"]),
        '第 2 条账单（编号 "X1"）的字段 "recorded"：' + reimburse.NOT_OBJECT,
    ),
    "claim not an object": ({"claims": [GOOD_CLAIM, "X1"]}, "第 2 条账单：" + reimburse.NOT_OBJECT),
    "recorded above the pool": (
        with_claim(recorded={"basic": "48000.01"}),
        '账单 "X1" 的字段 "recorded.basic"：已结算金额 48,000.01 超过本层可支付的政策范围内费用余额 48,000.00',
    ),
    "no claims list": ({"bills": []}, '必须是形如 {"claims": [...]} 的 JSON 对象'),
    "hospital empty": (
        with_claim(hospital=" "),
        '第 2 条账单（编号 "X1"）的字段 "hospital"：' + reimburse.NOT_TEXT,
    ),
    "hospital as a list": (
        with_claim(hospital=["H-1"]),
        '第 2 条账单（编号 "X1"）的字段 "hospital"：' + reimburse.NOT_TEXT,
    ),
    "in_county as text": (
        with_claim(in_county="true"),
        '第 2 条账单（编号 "X1"）的字段 "in_county"：' + reimburse.NOT_BOOL,
    ),
    "referred as a number": (
        with_claim(referred=1),
        '第 2 条账单（编号 "X1"）的字段 "referred"：' + reimburse.NOT_BOOL,
    ),
    "birth date in another format": (
        with_claim(birth_date="1980/01/01"),
        '第 2 条账单（编号 "X1"）的字段 "birth_date"：' + reimburse.NOT_DATE,
    ),
    "impossible birth date": (
        with_claim(birth_date="2013-02-29"),
        '第 2 条账单（编号 "X1"）的字段 "birth_date"：' + reimburse.NOT_DATE,
    ),
    "born after the bill": (
        with_claim(birth_date="2017-08-04"),
        '第 2 条账单（编号 "X1"）的字段 "birth_date"：出生日期晚于就诊日期',
    ),
    "sex as a letter": (
        with_claim(sex="F"),
        '第 2 条账单（编号 "X1"）的字段 "sex"：' + reimburse.NOT_SEX,
    ),
}


@pytest.mark.parametrize("case", BAD_CLAIMS, ids=list(BAD_CLAIMS))
def test_bad_claims_are_refused_naming_the_file_claim_and_field(case, tmp_path):
    # given
    data, expected = BAD_CLAIMS[case]
    claims_path = write(tmp_path / "claims.json", data)

    # when
    message = refused(VECTORS / "youyang-2017.policy.json", claims_path)

    # then
    assert message.startswith(f"{claims_path}：")
    assert expected in message


def test_every_bad_claim_is_listed(tmp_path):
    # given
    data = {"claims": [GOOD_CLAIM | {"id": "A", "total": "-1"}, GOOD_CLAIM | {"id": "B", "visit_type": "x"}]}

    # when
    message = refused(VECTORS / "youyang-2017.policy.json", write(tmp_path / "claims.json", data))

    # then
    assert '第 1 条账单（编号 "A"）的字段 "total"' in message
    assert '第 2 条账单（编号 "B"）的字段 "visit_type"' in message


def test_a_bad_policy_is_refused_naming_the_layer_and_field(tmp_path):
    # given
    data = read_vector("youyang-2017", "policy")
    data["layers"][1]["bands"][0]["ratio"] = "1.5"
    data["layers"][2]["cap"] = "300"
    policy_path = write(tmp_path / "policy.json", json.dumps(data, default=str))

    # when
    message = refused(policy_path, VECTORS / "youyang-2017.claims.json")

    # then
    assert message.startswith(f"{policy_path}：政策文件有误")
    assert '层 "critical" 的字段 "bands[1].ratio"：必须是 0 到 1 之间的比例' in message
    assert '层 "assist_outpatient" 的字段 "cap"：未知字段' in message


@pytest.mark.parametrize("which", ["policy", "claims"])
def test_a_missing_file_is_refused(which, tmp_path):
    # given
    paths = {"policy": VECTORS / "youyang-2017.policy.json", "claims": VECTORS / "youyang-2017.claims.json"}
    paths[which] = tmp_path / "nowhere.json"

    # when
    message = refused(paths["policy"], paths["claims"])

    # then
    assert message == f"{tmp_path / 'nowhere.json'}：无法读取文件（文件不存在）"


@pytest.mark.parametrize(
    ("text", "reason"),
    [('{"claims": [', "第 1 行第 13 列"), ('{"claims": [NaN]}', "NaN"), (b"\xff\xfe{}", "无法读取文件")],
    ids=["truncated", "NaN", "not UTF-8"],
)
def test_unreadable_json_is_refused(text, reason, tmp_path):
    # given
    path = tmp_path / "claims.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())

    # when
    message = refused(VECTORS / "youyang-2017.policy.json", path)

    # then
    assert message.startswith(f"{path}：")
    assert reason in message


# --- As a program -------------------------------------------------------------------------------


def manage(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "reimburse", *args],
        capture_output=True,
        check=False,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.parametrize("name", ["youyang-2017", "conditions-example"])
def test_the_program_prints_one_json_document_and_exits_0(name):
    # when
    done = manage(str(VECTORS / f"{name}.policy.json"), str(VECTORS / f"{name}.claims.json"))

    # then
    assert done.returncode == 0, done.stderr
    assert only_contract_keys(json.loads(done.stdout)["results"]) == read_vector(name, "expected")["results"]


def test_the_person_and_hospital_keys_may_be_null_or_absent(tmp_path):
    # given: the conditions example with every optional key of one claim null, and of another absent
    claims = read_vector("conditions-example", "claims")
    for key in ("hospital", "in_county", "referred", "birth_date", "sex"):
        claims["claims"][0][key] = None
        claims["claims"][1].pop(key, None)

    # when
    output = run(VECTORS / "conditions-example.policy.json", write(tmp_path / "claims.json", claims))

    # then: E1 loses its hospital tilt (400 deductible, 65%); E2 is settled as before (the defaults
    # were its values, and the 1 July rise reads only the date)
    first, second = (result["payments"] for result in output["results"][:2])
    assert first[0]["amount"] == "2990.00"
    assert second[0]["amount"] == "15990.00" and second[1]["amount"] == "6307.00"


def test_the_explanations_name_the_new_conditions():
    # when
    output = run(VECTORS / "conditions-example.policy.json", VECTORS / "conditions-example.claims.json")

    # then
    e1, e2, e3, _ = (result["payments"] for result in output["results"])
    assert e1[0]["explanation"].startswith("按第 1 条规则（身份类别 建档立卡贫困人口；医疗机构 H-COUNTY-TCM）")
    assert e1[2]["explanation"] == "不适用：本层只适用于“疾病 C50、C53；女性”的账单。"
    assert e2[1]["explanation"].startswith("按第 1 条规则（2024-07-01 起）")
    assert e3[0]["explanation"].startswith("按第 3 条规则（疾病 C91、Q21；年龄 17 周岁及以下）")


def test_the_program_refuses_with_status_2_and_nothing_on_standard_output(tmp_path):
    # given
    claims_path = write(tmp_path / "claims.json", with_claim(recorded={"nope": "1"}))

    # when
    done = manage(str(VECTORS / "youyang-2017.policy.json"), str(claims_path))

    # then
    assert done.returncode == 2
    assert done.stdout == ""
    assert '第 2 条账单（编号 "X1"）的字段 "recorded.nope"：政策中没有这一层' in done.stderr


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(county="酉阳"), '字段 "county"：未知字段'),
        (
            lambda d: d["layers"][1].update(code="basic"),
            '层 "basic" 的字段 "code"：层编码重复（第 1 层已使用）',
        ),
        (lambda d: d["layers"][0].update(fund="charity"), '层 "basic" 的字段 "fund"：未知取值 "charity"'),
        (lambda d: d["layers"][0].update(base="total"), '层 "basic" 的字段 "base"：未知取值 "total"'),
        (lambda d: d["layers"][1].pop("name"), '层 "critical" 的字段 "name"：缺少必填字段'),
        (
            lambda d: d["layers"][1].update(
                bands=[{"upto": "9", "ratio": "0.5"}, {"upto": "8", "ratio": "0.5"}]
            ),
            '层 "critical" 的字段 "bands"：最后一段的 "upto" 必须为 null',
        ),
        (lambda d: d.update(year="2017"), '字段 "year"：必须是整数年份'),
        (
            lambda d: d["layers"][5].update(min_base="-3000"),
            '层 "civil_fund" 的字段 "min_base"：金额不能为负数',
        ),
    ],
    ids=[
        "unknown key",
        "duplicate code",
        "unknown fund",
        "unknown base",
        "missing name",
        "bands",
        "year",
        "negative",
    ],
)
def test_each_kind_of_bad_policy_exits_2(change, expected, tmp_path):
    # given
    data = read_vector("youyang-2017", "policy")
    change(data)
    policy_path = write(tmp_path / "policy.json", json.dumps(data, default=str))

    # when
    message = refused(policy_path, VECTORS / "youyang-2017.claims.json")

    # then
    assert expected in message


# --- Output form and large files ---------------------------------------------------------------

RESULT_KEYS = {"id", "total", "payments", "by_fund", "personal", "in_catalog_personal"}
PAYMENT_KEYS = {"layer", "name", "fund", "amount", "applied", "recorded", "base_added", "explanation"}
MONEY_TEXT = re.compile(r"-?\d+\.\d\d")


def output(*args, **options) -> str:
    out = StringIO()
    call_command("reimburse", *map(str, args), stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def many_claims(copies: int) -> dict:
    """The youyang vector's claims ``copies`` times over, each copy its own people and ids."""
    claims = read_vector("youyang-2017", "claims")["claims"]
    return {
        "claims": [
            {**item, "id": f"{item['id']}-{copy}", "person": f"{item['person']}-{copy}"}
            for copy in range(copies)
            for item in claims
        ]
    }


@pytest.mark.parametrize("name", VECTOR_SETS)
def test_the_output_is_compact_json_unless_an_indent_is_asked_for(name):
    # given
    paths = (VECTORS / f"{name}.policy.json", VECTORS / f"{name}.claims.json")

    # when
    compact = output(*paths)
    indented = output(*paths, indent=1)

    # then: the same document, written as json.dumps writes it in each form
    document = json.loads(compact)
    assert json.loads(indented) == document
    assert compact == json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert indented == json.dumps(document, ensure_ascii=False, indent=1) + "\n"


@pytest.mark.parametrize("indent", [0, 2, 4])
def test_any_indent_gives_what_json_dumps_gives(indent):
    compact = output(VECTORS / "public-examples.policy.json", VECTORS / "public-examples.claims.json")
    indented = output(
        VECTORS / "public-examples.policy.json", VECTORS / "public-examples.claims.json", indent=indent
    )
    assert indented == json.dumps(json.loads(compact), ensure_ascii=False, indent=indent) + "\n"


@pytest.mark.parametrize(("indent", "expected"), [(None, '{"results":[]}\n'), (1, '{\n "results": []\n}\n')])
def test_no_claims_in_either_form(indent, expected, tmp_path):
    claims_path = write(tmp_path / "c.json", {"claims": []})
    assert output(VECTORS / "youyang-2017.policy.json", claims_path, indent=indent) == expected


def test_results_written_as_they_come_have_exactly_the_documented_keys(tmp_path):
    # given: more claims than are written at a time, with recorded amounts and conditions
    claims_path = write(tmp_path / "claims.json", many_claims(100))

    # when
    results = json.loads(output(VECTORS / "youyang-2017.policy.json", claims_path))["results"]

    # then
    assert [result["id"] for result in results] == [f"{c}-{n}" for n in range(100) for c in ("A1", "A2", "A3", "A4", "B1")]
    layers = [layer["code"] for layer in read_vector("youyang-2017", "policy")["layers"]]
    for result in results:
        assert set(result) == RESULT_KEYS
        assert list(result["by_fund"]) == ["basic", "critical", "assistance", "other"]
        assert [payment["layer"] for payment in result["payments"]] == layers
        assert all(set(payment) == PAYMENT_KEYS for payment in result["payments"])
        amounts = [result["total"], result["personal"], result["in_catalog_personal"], *result["by_fund"].values()]
        amounts += [payment["amount"] for payment in result["payments"]]
        assert all(MONEY_TEXT.fullmatch(amount) for amount in amounts)
    # each copy's people are their own: every copy is settled as the first
    first = only_contract_keys(results[:5])
    assert all(only_contract_keys(results[n : n + 5]) == [{**r, "id": r["id"].replace("-0", f"-{n // 5}")} for r in first]
               for n in range(0, 500, 5))


def test_results_are_written_while_later_claims_are_still_to_be_settled(tmp_path, monkeypatch):
    # given: a record of how many bills were settled at each write of the results
    claims_path = write(tmp_path / "claims.json", many_claims(200))
    settled = [0]
    written_at = []

    def counting(*args, **kwargs):
        for settlement in iter_settlements(*args, **kwargs):
            settled[0] += 1
            yield settlement

    class Spool(io.BytesIO):
        def write(self, data):
            written_at.append(settled[0])
            return super().write(data)

    monkeypatch.setattr(reimburse, "iter_settlements", counting)
    monkeypatch.setattr(reimburse.tempfile, "TemporaryFile", Spool)

    # when
    text = output(VECTORS / "youyang-2017.policy.json", claims_path)

    # then: the first results were on their way out long before the last bill was settled
    assert len(json.loads(text)["results"]) == settled[0] == 1000
    assert written_at[0] < 1000 and len([n for n in written_at if n < 1000]) >= 4


def test_a_bad_last_claim_of_a_large_file_leaves_standard_output_empty(tmp_path):
    # given
    data = many_claims(600)
    data["claims"][-1]["visit_type"] = "emergency"
    claims_path = write(tmp_path / "claims.json", data)

    # when
    done = manage(str(VECTORS / "youyang-2017.policy.json"), str(claims_path))

    # then
    assert done.returncode == 2
    assert done.stdout == ""
    assert '第 3000 条账单（编号 "B1-599"）的字段 "visit_type"：未知就诊类型 "emergency"' in done.stderr


def test_a_recorded_amount_above_its_pool_mid_run_leaves_standard_output_empty(tmp_path):
    # given: the engine refuses the 2,501st bill, long after the first results were written
    data = many_claims(600)
    data["claims"][2500] = GOOD_CLAIM | {"id": "X9", "recorded": {"basic": "48000.01"}}
    claims_path = write(tmp_path / "claims.json", data)
    expected = '账单 "X9" 的字段 "recorded.basic"：已结算金额 48,000.01 超过本层可支付的政策范围内费用余额 48,000.00'

    # when
    done = manage(str(VECTORS / "youyang-2017.policy.json"), str(claims_path))

    # then
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count(expected) == 1
    assert expected in refused(VECTORS / "youyang-2017.policy.json", claims_path)


def test_the_program_writes_compact_json_and_indents_on_request(tmp_path):
    # given
    paths = (str(VECTORS / "conditions-example.policy.json"), str(VECTORS / "conditions-example.claims.json"))

    # when
    compact, indented, wrong = manage(*paths), manage(*paths, "--indent", "1"), manage(*paths, "--indent", "x")

    # then
    assert compact.returncode == indented.returncode == 0
    assert compact.stdout.count("\n") == 1 and json.loads(compact.stdout) == json.loads(indented.stdout)
    assert indented.stdout == json.dumps(json.loads(compact.stdout), ensure_ascii=False, indent=1) + "\n"
    assert wrong.returncode == 2 and wrong.stdout == ""
    assert reimburse.NOT_INDENT.format(value="x") in wrong.stderr


def manage_into(path: Path, *args: str, mode: str = "wb", stderr_too: bool = False) -> int:
    """The program with its standard output (and error, with ``stderr_too``) opened on ``path``."""
    with path.open(mode) as out:
        return subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "reimburse", *args],
            stdout=out, stderr=subprocess.STDOUT if stderr_too else subprocess.DEVNULL, check=False, cwd=ROOT,
            timeout=120,
        ).returncode


def test_into_a_file_the_output_is_what_a_pipe_gets(tmp_path):
    paths = (str(VECTORS / "public-examples.policy.json"), str(VECTORS / "public-examples.claims.json"))
    assert manage_into(tmp_path / "out.json", *paths) == 0
    assert (tmp_path / "out.json").read_text(encoding="utf-8") == manage(*paths).stdout


def test_a_file_written_into_is_cut_back_when_the_engine_refuses_a_bill(tmp_path):
    # given: a refusal after thousands of results went into the file (standard error there too)
    data = many_claims(600)
    data["claims"][2500] = GOOD_CLAIM | {"id": "X9", "recorded": {"basic": "48000.01"}}
    claims_path = write(tmp_path / "claims.json", data)
    out = tmp_path / "out.json"

    # when
    status = manage_into(out, str(VECTORS / "youyang-2017.policy.json"), str(claims_path), stderr_too=True)

    # then: the file holds the message alone
    assert status == 2
    text = out.read_text(encoding="utf-8")
    assert text.startswith(f"CommandError: {claims_path}：账单有误") and '账单 "X9"' in text
    assert text.endswith("余额 48,000.00\n") and '"explanation"' not in text


@pytest.mark.parametrize("refused", [False, True])
def test_a_file_appended_to_keeps_what_it_held(refused, tmp_path):
    # given
    data = many_claims(100)
    if refused:
        data["claims"][300] = GOOD_CLAIM | {"id": "X9", "recorded": {"basic": "48000.01"}}
    claims_path = write(tmp_path / "claims.json", data)
    out = tmp_path / "out.json"
    out.write_text("earlier lines\n", encoding="utf-8")

    # when
    status = manage_into(out, str(VECTORS / "youyang-2017.policy.json"), str(claims_path), mode="ab")

    # then
    text = out.read_text(encoding="utf-8")
    assert text.startswith("earlier lines\n")
    if refused:
        assert status == 2 and text == "earlier lines\n"
    else:
        assert status == 0 and len(json.loads(text.removeprefix("earlier lines\n"))["results"]) == 500
