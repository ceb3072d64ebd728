"""``monitor --json`` and ``five_checks --json`` give the figures of monitoring.md on a county built only through
the public commands: regions, the two offices' rosters, the enrollment list, the hospitals' settlement list (with
platform amounts) and the publicity visits, each an Excel file written here, then the shipped 酉阳 2017 policy.

Every command runs as the built-in ``system`` account (commands.md: no ``--user``, no area limit).

The county (500242) — two townships, one village each:

    T1 500242100 龙潭镇 / V1 500242100201 红花村
    T2 500242101 麻旺镇 / V2 500242101201 青龙村

    person  village  list (2017-01)                 household     enrollment 2017 (premium 180.00)
    田小红  V1       poverty: 建档立卡 (poor)         H1 head       已参保, subsidy 90.00   (poor: 90.00)
    冉春花  V1       poverty: 建档立卡 (poor)         H1 spouse     已参保, subsidy 90.00
    白明华  V2       poverty: 建档立卡 (poor)         H2 head       absent  → 查参保 (and 应保未保)
                     (the 2017-07 list drops him: poor ends 2017-06-30, still held on days of 2017)
    杨秀英  V2       civil: 农村低保 (dibao_rural)    H3 head       已参保, subsidy 60.00   → 查缴费 (dibao: 90.00)
    何建国  V1       civil: 特困供养 (tekun_rural)    none          已参保, subsidy 180.00  (tekun: "full" = 180.00)
    罗大勇  V1       civil: 农村其他困难群体           H4 head       已参保, subsidy 0.00    (no subsidy rule: 0.00)
    路人    —        —                               —             已参保 (not in the registry: not stored)

Publicity: one visit to H1 in 2017; none to H2, H3, H4 (何建国 has no household: a note, no finding).

The policy (policies/data/youyang-2017.json) as it settles these bills. An imported hospital has no 机构编码, so
酉阳's own-hospital tilts never apply: 基本医保 (住院) is 起付线 300, 60% of in-catalog for everyone enrolled in
城乡居民医保. 大病 is year-scoped on what is left in-catalog: poor 起付线 7,094 at 50%, others 14,188 at 40%.
补充保险 (目录内, poor): visit-scoped, 起付线 5,000, 30% to 20,000. 医疗救助 (住院; poor, dibao_rural, tekun_rural):
60% of what is left in-catalog. 精准脱贫保 (目录外, poor): 起付线 5,000, 30% to 20,000, 40% to 50,000.
民政扶贫济困医疗基金 (目录外; poor, dibao, tekun, other_hardship): only when out-of-catalog > 3,000, base at most
30% of the total, 50%. 补充保险 (目录外, poor): 起付线 5,000, 20%. A platform amount replaces the computed
payment of the first layer of its fund that applies to the bill (reimbursement.md).

Monitoring block: reference income 11,549.00; 因病返贫监测 (tekun, dibao) share 0.5 → threshold 5,774.50;
因病致贫监测 (poor, low income, …) share 1.0 → 11,549.00; warn_at 0.8 (default) → warning lines 4,619.60 and
9,239.20. 罗大勇 (other_hardship_rural) is named by no rule: not monitored.

Bills (import_claims; pools in / out after each layer):

田小红, 市级 hospital, inpatient 2017-03-10→03-20, total 100,000, in-catalog 60,000, platform 基本医保 35,820.00 and
大病 8,543.00 (both what the policy computes: no 查待遇 finding):
    基本医保   recorded 35,820.00 [(60,000 − 300) × 0.6]        in 24,180.00 / out 40,000
    大病       recorded  8,543.00 [(24,180 − 7,094) × 0.5]      in 15,637.00
    补充(内)   (15,637 − 5,000) × 0.3      = 3,191.10            in 12,445.90
    医疗救助   12,445.90 × 0.6             = 7,467.54            in  4,978.36
    精准脱贫保 15,000 × 0.3 + 20,000 × 0.4 = 12,500.00                         out 27,500
    民政基金   min(27,500, 30,000) × 0.5   = 13,750.00                         out 13,750
    补充(外)   (13,750 − 5,000) × 0.2      = 1,750.00                          out 12,000
    personal = 4,978.36 + 12,000 = 16,978.36
田小红, 村卫生室, outpatient 2017-05-06, total 500, in-catalog 400, platform 基本医保 200 and 医疗救助 100 (the
    outpatient layers pay by record; 民政基金's gate: out-of-catalog 100 ≤ 3,000): personal = 500 − 300 = 200.00
    → burden 17,178.36 > 11,549.00: over.
冉春花, 市级, inpatient 2017-06-01→06-12, total 50,000, in-catalog 30,000, platform 基本医保 17,000.00 while the
policy computes (30,000 − 300) × 0.6 = 17,820.00 → 查待遇:
    基本医保   recorded 17,000.00                                in 13,000.00 / out 20,000
    大病       (13,000 − 7,094) × 0.5      = 2,953.00            in 10,047.00
    补充(内)   (10,047 − 5,000) × 0.3      = 1,514.10            in  8,532.90
    医疗救助   8,532.90 × 0.6              = 5,119.74            in  3,413.16
    精准脱贫保 15,000 × 0.3                = 4,500.00                          out 15,500
    民政基金   min(15,500, 15,000) × 0.5   = 7,500.00                          out  8,000
    补充(外)   (8,000 − 5,000) × 0.2       = 600.00                            out  7,400
    personal = 3,413.16 + 7,400 = 10,813.16 → 9,239.20 ≤ burden ≤ 11,549.00: warning.
白明华, 市级, inpatient 2017-03-01→03-08, total 20,000, in-catalog 16,000, not enrolled (基本医保 and 大病 need
城乡居民医保):
    补充(内)   (16,000 − 5,000) × 0.3 = 3,300.00 → in 12,700; 医疗救助 12,700 × 0.6 = 7,620.00 → in 5,080
    精准脱贫保 out 4,000 ≤ 5,000: 0; 民政基金 min(4,000, 6,000) × 0.5 = 2,000.00 → out 2,000; 补充(外) 0
    personal = 5,080 + 2,000 = 7,080.00 < 9,239.20: monitored, no level.
杨秀英, 市级, inpatient 2017-05-02→05-10, total 30,000, in-catalog 20,000, platform 基本医保 11,820.00 and 大病 0.00
(both as computed):
    基本医保 (20,000 − 300) × 0.6 = 11,820.00 → in 8,180; 大病 8,180 < 14,188: 0; 医疗救助 8,180 × 0.6 = 4,908.00
    → in 3,272; 民政基金 min(10,000, 9,000) × 0.5 = 4,500.00 → out 5,500
    personal = 3,272 + 5,500 = 8,772.00 > 5,774.50: over.
何建国, 县级, inpatient 2017-09-04→09-15, total 18,000, in-catalog 12,000 (listed twice: the repeat is skipped):
    基本医保 (12,000 − 300) × 0.6 = 7,020.00 → in 4,980; 大病 0; 医疗救助 4,980 × 0.6 = 2,988.00 → in 1,992;
    民政基金 min(6,000, 5,400) × 0.5 = 2,700.00 → out 3,300
    personal = 1,992 + 3,300 = 5,292.00 → 4,619.60 ≤ burden ≤ 5,774.50: warning.

So monitor: monitored 5 (all but 罗大勇), over 2 (杨秀英, 田小红), warning 2 (冉春花, 何建国); the alerts, the largest
share of the threshold first: 杨秀英 8,772.00/5,774.50 = 1.519, 田小红 17,178.36/11,549.00 = 1.487,
冉春花 10,813.16/11,549.00 = 0.936, 何建国 5,292.00/5,774.50 = 0.916.

And five_checks:
    查参保 1  白明华 (T2): covered in 2017, no 已参保 城乡居民医保, no reason recorded.
    查缴费 1  杨秀英 (T2): 60.00 recorded, 90.00 for 农村低保 held on the enrollment date.
    查服务 0  every bill came from a hospital's settlement list, which the product counts as settled at the
              hospital (一站式), and import_claims has no column for 先诊疗后付费 or a hospital's 县域内: the window
              bill 查服务 looks for cannot be made through the commands.
    查待遇 1  冉春花's bill (T1): 基本医保 17,000.00 recorded, 17,820.00 computed.
    查宣传 3  H2 白明华 (T2), H3 杨秀英 (T2), H4 罗大勇 (T1); H1 was visited.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from beneficiaries.idnumbers import check_character
from beneficiaries.models import Beneficiary, Household
from monitoring.models import Alert

YEAR = "2017"
T1, T2 = "500242100", "500242101"
V1, V2 = "500242100201", "500242101201"
POLICY = Path(__file__).resolve().parents[2] / "policies" / "data" / "youyang-2017.json"
CHECK_KEYS = ("enrollment", "subsidy", "service", "benefits", "publicity")


def id_number(birth: str, sequence: int) -> str:
    first17 = f"500242{birth}{sequence:03d}"
    return first17 + check_character(first17)


PEOPLE = {
    "田小红": id_number("19650302", 12),
    "冉春花": id_number("19680817", 24),
    "白明华": id_number("19580111", 31),
    "杨秀英": id_number("19720925", 42),
    "何建国": id_number("19490604", 53),
    "罗大勇": id_number("19800418", 61),
    "路人": id_number("19900101", 71),
}


def xlsx(path, rows, title=None):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:  # a title row above the header, as the offices' lists have
        sheet.append([title])
        sheet.append([])
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return str(path)


def run(*args) -> dict:
    """A command with --json, as a county's script runs it: one JSON object on standard output."""
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, "--json", stdout=out, stderr=err)
    return json.loads(out.getvalue())


@pytest.fixture
def county_2017(db, tmp_path):
    """The county above, built with the commands only; their own JSON checked on the way."""
    p = PEOPLE
    regions = xlsx(tmp_path / "区划.xlsx", [
        ["区划代码", "名称"], [T1, "龙潭镇"], [T2, "麻旺镇"], [V1, "红花村"], [V2, "青龙村"],
    ])
    assert run("import_regions", regions) == {"created": 4, "updated": 0}

    assert run("load_policy", str(POLICY))["created"] is True

    roster_header = ["序号", "公民身份号码", "姓名", "人员类别", "村代码", "户主身份证号", "与户主关系"]
    poverty_january = xlsx(tmp_path / "2017年1月建档立卡.xlsx", [
        roster_header,
        [1, p["田小红"], "田小红", "建档立卡贫困人口", V1, p["田小红"], "本人"],
        [2, p["冉春花"], "冉春花", "建档立卡贫困人口", V1, p["田小红"], "妻"],
        [3, p["白明华"], "白明华", "建档立卡贫困人口", V2, p["白明华"], "本人"],
    ], title="2017年1月建档立卡贫困人口名单")
    civil_january = xlsx(tmp_path / "2017年1月民政名单.xlsx", [
        roster_header,
        [1, p["杨秀英"], "杨秀英", "农村低保", V2, p["杨秀英"], "本人"],
        [2, p["何建国"], "何建国", "特困供养", V1, "", ""],
        [3, p["罗大勇"], "罗大勇", "农村其他困难群体", V1, p["罗大勇"], "本人"],
    ])
    poverty_july = xlsx(tmp_path / "2017年7月建档立卡.xlsx", [
        roster_header,
        [1, p["田小红"], "田小红", "建档立卡贫困人口", V1, p["田小红"], "本人"],
        [2, p["冉春花"], "冉春花", "建档立卡贫困人口", V1, p["田小红"], "妻"],
    ])
    counts = ("new", "category_added", "changed", "unchanged", "exited", "mismatch", "invalid_id", "duplicate",
              "rejected")

    def reconciled(source, month, path, *extra):
        result = run("reconcile", "--source", source, "--month", month, path, "--apply", *extra)
        assert result["batch"] is not None
        return {key: result[key] for key in counts if result[key]}

    assert reconciled("poverty_office", "2017-01", poverty_january) == {"new": 3}
    assert reconciled("civil_affairs", "2017-01", civil_january) == {"new": 3}
    # one of the three poor holdings ends: more than 10% of the source's holdings, so the exits are confirmed
    assert reconciled("poverty_office", "2017-07", poverty_july, "--allow-exits", "1") == {"unchanged": 2, "exited": 1}

    enrollment = xlsx(tmp_path / "2017年参保名单.xlsx", [
        ["身份证号", "姓名", "险种", "参保状态", "财政补助金额", "未参保原因"],
        [p["田小红"], "田小红", "城乡居民基本医疗保险", "已参保", "90.00", ""],
        [p["冉春花"], "冉春花", "城乡居民基本医疗保险", "已参保", "90.00", ""],
        [p["杨秀英"], "杨秀英", "城乡居民基本医疗保险", "已参保", "60.00", ""],
        [p["何建国"], "何建国", "城乡居民基本医疗保险", "已参保", "180.00", ""],
        [p["罗大勇"], "罗大勇", "城乡居民基本医疗保险", "已参保", "0.00", ""],
        [p["路人"], "路人", "城乡居民基本医疗保险", "已参保", "0.00", ""],
    ])
    result = run("import_enrollment", "--year", YEAR, enrollment, "--apply")
    assert {key: result[key] for key in ("rows", "enrolled", "not_enrolled", "not_in_registry", "uncovered",
                                         "duplicate", "subsidy_mismatch")} == {
        "rows": 6, "enrolled": 5, "not_enrolled": 0, "not_in_registry": 1, "uncovered": 1, "duplicate": 0,
        "subsidy_mismatch": 1}

    city, county_level = "重庆医科大学附属第一医院", "酉阳县人民医院"
    claims = xlsx(tmp_path / "2017年结算清单.xlsx", [
        ["身份证号", "姓名", "就诊类型", "医疗机构名称", "医疗机构等级", "入院日期", "出院日期", "就诊日期",
         "总费用", "政策范围内费用", "基本医保支付", "大病保险支付", "医疗救助支付"],
        [p["田小红"], "田小红", "住院", city, "市级", "2017-03-10", "2017-03-20", "", "100000.00", "60000.00",
         "35820.00", "8543.00", ""],
        [p["田小红"], "田小红", "普通门诊", "红花村卫生室", "村", "", "", "2017-05-06", "500.00", "400.00",
         "200.00", "", "100.00"],
        [p["冉春花"], "冉春花", "住院", city, "市级", "2017-06-01", "2017-06-12", "", "50000.00", "30000.00",
         "17000.00", "", ""],
        [p["白明华"], "白明华", "住院", city, "市级", "2017-03-01", "2017-03-08", "", "20000.00", "16000.00",
         "", "", ""],
        [p["杨秀英"], "杨秀英", "住院", "重庆市黔江中心医院", "市级", "2017-05-02", "2017-05-10", "", "30000.00",
         "20000.00", "11820.00", "0.00", ""],
        [p["何建国"], "何建国", "住院", county_level, "县级", "2017-09-04", "2017-09-15", "", "18000.00",
         "12000.00", "", "", ""],
        [p["何建国"], "何建国", "住院", county_level, "县级", "2017-09-04", "2017-09-15", "", "18000.00",
         "12000.00", "", "", ""],
    ])
    result = run("import_claims", claims, "--apply")
    assert (result["rows"], result["settled"], result["skipped"], result["errors"]) == (7, 6, 1, [])

    visits = xlsx(tmp_path / "2017年宣传走访.xlsx", [
        ["户主身份证号", "走访日期", "走访人", "宣传内容", "备注"],
        [p["田小红"], "2017-04-15", "冉光明", "政策宣传、明白卡送达", "入户宣讲健康扶贫政策"],
    ])
    run("import_visits", visits, "--apply")


def test_the_county_is_what_the_commands_made(county_2017):
    """What the figures below stand on: the people, households and the alerts the settlements raised."""
    people = {p.name: p for p in Beneficiary.objects.select_related("household", "village")}
    assert {name: (p.id_number, p.village_id) for name, p in people.items()} == {
        "田小红": (PEOPLE["田小红"], V1), "冉春花": (PEOPLE["冉春花"], V1), "白明华": (PEOPLE["白明华"], V2),
        "杨秀英": (PEOPLE["杨秀英"], V2), "何建国": (PEOPLE["何建国"], V1), "罗大勇": (PEOPLE["罗大勇"], V1)}
    assert people["冉春花"].household == people["田小红"].household
    assert people["何建国"].household is None
    assert Household.objects.count() == 4
    # the imports settled the bills, and each settlement kept the alert list current (no batch run yet)
    assert {(a.beneficiary.name, a.level) for a in Alert.objects.select_related("beneficiary")} == {
        ("田小红", "over"), ("杨秀英", "over"), ("冉春花", "warning"), ("何建国", "warning")}


def test_monitor_json_gives_the_figures_of_monitoring_md(county_2017):
    result = run("monitor", "--year", YEAR)

    assert (result["monitored"], result["warning"], result["over"]) == (5, 2, 2)
    assert result["alerts"] == [
        {"id_number": PEOPLE["杨秀英"], "name": "杨秀英", "burden": "8772.00", "threshold": "5774.50",
         "label": "因病返贫监测", "level": "over"},
        {"id_number": PEOPLE["田小红"], "name": "田小红", "burden": "17178.36", "threshold": "11549.00",
         "label": "因病致贫监测", "level": "over"},
        {"id_number": PEOPLE["冉春花"], "name": "冉春花", "burden": "10813.16", "threshold": "11549.00",
         "label": "因病致贫监测", "level": "warning"},
        {"id_number": PEOPLE["何建国"], "name": "何建国", "burden": "5292.00", "threshold": "5774.50",
         "label": "因病返贫监测", "level": "warning"},
    ]
    # the alerts the settlements kept current needed no repair
    assert (result["created"], result["updated"]) == (0, 0)


def test_monitor_json_for_one_township(county_2017):
    result = run("monitor", "--year", YEAR, "--area", T2)
    # 白明华 (monitored, 7,080.00: no level) and 杨秀英
    assert (result["monitored"], result["warning"], result["over"]) == (2, 0, 1)
    assert [a["name"] for a in result["alerts"]] == ["杨秀英"]


def test_five_checks_json_gives_the_counts_of_monitoring_md(county_2017):
    result = run("five_checks", "--year", YEAR)

    assert {key: result[key] for key in CHECK_KEYS} == {
        "enrollment": 1, "subsidy": 1, "service": 0, "benefits": 1, "publicity": 3}
    assert result["by_township"] == {
        T1: {"enrollment": 0, "subsidy": 0, "service": 0, "benefits": 1, "publicity": 1},
        T2: {"enrollment": 1, "subsidy": 1, "service": 0, "benefits": 0, "publicity": 2},
    }
    # 何建国 has no household: 查宣传 cannot check him, and says so
    assert any("1 名保障对象未登记家庭户" in note for note in result["notes"]), result["notes"]
