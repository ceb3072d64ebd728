"""Screenshots of the main pages at 1366×768, as the demo county's users see them, into ``docs/screens/``.

    .venv/bin/python tools/screens.py            # all of them (about three minutes)
    .venv/bin/python tools/screens.py --only slip,ledger --keep /tmp/screens

What it does: in a temporary directory, a fresh SQLite database (``migrate``, ``load_demo``: the demo county
酉阳 500242, its users, password Youyang-2026), plus what the demo lacks for two pages: a second version of
the demo policy (for the comparison) and an applied roster batch of one township (with a person listed in
another village, a newcomer and a person gone); then ``manage.py runserver --noreload`` on a free port with
the settings ``bin/run`` uses, and Debian's Chromium (``/usr/bin/chromium``, headless, zh-CN, Asia/Shanghai)
driven by Playwright, logged in through the login form as each user. One PNG per page (``SHOTS``): the
1366×768 viewport, except the slip, which is the whole A4 page in print media. ``docs/screens/README.md``
(written by it from ``SHOTS``) lists them; the pages show the demo's made-up people only.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screens"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "Youyang-2026"  # the demo's (beneficiaries/demo.py)
VIEWPORT = {"width": 1366, "height": 768}
A4 = {"width": 794, "height": 1123}  # 210 × 297 mm at the 96 px per inch Chromium prints with
ROSTER_TOWNSHIP = "500242100"  # 龙潭镇


class Shot(NamedTuple):
    """One screenshot: ``url_name`` reversed with the objects ``args`` names and ``query`` appended (both
    keys of, and formatted with, what ``build_demo`` returns), seen by ``user`` (``None``: signed out);
    ``fill`` acts on the page before the shot, then the element ``scroll_to`` selects is put at the top."""

    name: str
    caption: str
    user: str | None
    url_name: str
    args: tuple[str, ...] = ()
    query: str = ""
    fill: Callable | None = None
    scroll_to: str = ""
    slip: bool = False


def fill_bill(page, refs: dict) -> None:
    """A bill typed as a clerk types it (tests/browser/test_keyboard_entry.py), up to the live preview."""
    page.locator("#id_hospital-picker").focus()
    page.keyboard.type("ytrm")  # 酉阳土家族苗族自治县人民医院 by its pinyin initials
    page.locator("#id_hospital-list li[role=option]").first.wait_for()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # 住院
    for text in (f"{refs['admitted']:%Y%m%d}", refs["discharged"].isoformat(), "ZY2026110305", "50024226008841"):
        page.keyboard.type(text)
        page.keyboard.press("Enter")
    page.keyboard.type("I63.900 脑梗死")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # an empty line: on to the amounts
    for text in ("23860.50", "19720.00"):
        page.keyboard.type(text)
        page.keyboard.press("Enter")
    page.locator("#preview .preview-summary .personal").wait_for()


def fill_calculator(page, refs: dict) -> None:
    page.check("input[name=categories][value=poor]")
    page.fill("#id_total", "60000")
    page.fill("#id_in_catalog", "48000")
    page.locator("#calculator-result table.settlement").wait_for()


SHOTS = [
    Shot("01-login", "登录页", None, "login"),
    Shot("02-home-clerk", "首页（经办员）：待办、今日账单和常用操作", "clerk", "home"),
    Shot("03-home-official", "首页（查询）：预警、五查和报表入口", "official", "home"),
    Shot("04-search", "查找保障对象：按姓名的搜索结果，带人数和分页", "clerk", "search", query="?q=冉"),
    Shot("05-person", "保障对象页：身份类别、参保、账单和负担", "clerk", "person_detail", ("person",)),
    Shot("06-bill-entry", "录入账单：键盘录入到金额时的实时试算，个人自付在最上方", "clerk", "claim_create",
         ("person",), fill=fill_bill, scroll_to="body"),
    Shot("07-bill", "账单页：逐层结算结果", "clerk", "claim_detail", ("claim",)),
    Shot("08-slip", "一单制结算单：A4 打印效果（整页，打印样式）", "clerk", "claim_slip", ("claim",), slip=True),
    Shot("09-bills-today", "今日账单：按日期、医疗机构、乡镇、状态、人员查找，可重打结算单", "clerk", "bill_list"),
    Shot("10-day-tally", "日结：笔数、各基金合计、个人自付、分经办员", "clerk", "day_tally"),
    Shot("11-ledger", "台账：全宽表格，表头和姓名、身份证号列固定，零值留空；导出时身份证号是否隐藏",
         "official", "ledger", query="?period=year&year={year}&area=500242", scroll_to="#export-ids"),
    Shot("12-stats", "季度统计：按乡镇的全部列", "official", "ledger_stats",
         query="?quarter={quarter}&area=500242", scroll_to="h2:text('按乡镇（街道）')"),
    Shot("13-calculator", "明白卡：按政策逐层计算一张账单", "clerk", "calculator", fill=fill_calculator,
         scroll_to="#calculator-result"),
    Shot("14-alerts", "预警名单（因病返贫致贫监测）", "official", "monitoring:alert_list"),
    Shot("15-five-checks", "五查：查参保、查缴费、查服务、查待遇、查宣传", "official", "monitoring:five_checks"),
    Shot("16-roster-batches", "名单比对批次：区域名称和代码", "admin", "rosters:batch_list"),
    Shot("17-roster-batch", "名单比对批次的结果（信息不符）：村名和代码并列", "admin", "rosters:batch_detail",
         ("batch",), query="?outcome=mismatch", scroll_to="main h2"),
    Shot("18-policies", "报销政策列表", "admin", "policies:list"),
    Shot("19-policy", "政策页：各版本和各保障层次", "admin", "policies:detail", ("policy",)),
    Shot("20-policy-compare", "两个政策版本对照：改动之处标出", "admin", "policies:compare", ("policy",)),
    Shot("21-users", "用户管理：姓名、角色、区域、状态", "admin", "user_list"),
    Shot("22-health-coverage", "健康管理：按乡镇的家庭医生签约、建档、健康卡和分类救治覆盖", "official",
         "health:coverage"),
    Shot("23-health-person", "个人健康管理页：健康卡，分类救治及其状态记录", "clerk", "health:person",
         ("health_person",), scroll_to="#cards"),
    Shot("24-employment-overview", "就业扶贫：按乡镇的摸排、安置方式、稳岗风险和帮扶", "official",
         "employment:overview"),
    Shot("25-employment-person", "贫困家庭子女的就业扶贫页：安置、中职稳定就业三年的进度和跟踪回访", "clerk",
         "employment:person", ("child",), scroll_to="h2:text('就业安置')"),
    Shot("26-employment-at-risk", "稳岗风险名单：中职毕业生企业安置未满三年", "clerk", "employment:at_risk"),
    Shot("27-projects-library", "产业扶贫项目库：按状态的项目数和资金合计", "clerk", "projects:library"),
    Shot("28-project", "项目页：基本信息和状态记录", "clerk", "projects:project", ("project",)),
    Shot("29-project-funding", "项目页：分来源的项目资金和到位记录", "clerk", "projects:project", ("project",),
         scroll_to="h2:text('项目资金')"),
    Shot("30-project-participants", "项目页：参与人、参与方式和收入合计", "clerk", "projects:project", ("project",),
         scroll_to="h2:text('参与人')"),
    Shot("31-no-project", "未参与产业项目名单：劳动年龄、有劳动能力的贫困人口，按乡镇", "official",
         "projects:no_project"),
]


README_HEAD = """\
# Screenshots

The main pages at 1366×768, as the demo county's users see them in Chromium (zh-CN). Refresh them with

```sh
.venv/bin/python tools/screens.py                 # all, about three minutes
.venv/bin/python tools/screens.py --only 08,ledger  # some, by name
```

It builds a throwaway SQLite database in a temporary directory (`migrate`, `load_demo`: the demo county 酉阳
500242, its users, password `Youyang-2026`), adds a second version of the demo policy and an applied roster batch
of 龙潭镇, starts `manage.py runserver --noreload` on a free port with the settings `bin/run` uses, and logs in
through the login form as `clerk`, `official` and `admin` in Debian's Chromium (`/usr/bin/chromium`, headless)
driven by Playwright. Each PNG is the visible 1366×768 screen, except the slip: the whole A4 page as printed.
Every person on them is made up. The tool writes this file from its list of shots (`SHOTS`);
`tests/test_screens.py` checks that every page on the list exists and that this file is up to date.

"""


def readme() -> str:
    """docs/screens/README.md: how the screenshots are made, then one line per shot."""
    rows = [f"| [{shot.name}.png]({shot.name}.png) | {shot.user or '—'} | {shot.caption} |" for shot in SHOTS]
    return README_HEAD + "| file | user | page |\n| --- | --- | --- |\n" + "\n".join(rows) + "\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def build_demo(today: datetime.date) -> dict:
    """The demo county, a second policy version and a roster batch; the objects the shots name."""
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_demo")

    from accounts.models import User
    from claims.models import Claim
    from policies.models import PolicyVersion
    from policies.services import policy_load

    admin = User.objects.get(username="admin")
    claim = (
        Claim.objects.filter(status=Claim.Status.SETTLED, visit_type="inpatient", discharged_on__year=today.year)
        .order_by("-total")
        .first()
    )
    version = PolicyVersion.objects.filter(policy__code=f"youyang-demo-{today.year}").latest("number")
    document = dict(version.document)
    document["layers"] = [dict(layer) for layer in document["layers"]]
    document["layers"][0]["deductible"] = "350.00"  # what a county might change in a year
    policy_load(user=admin, document=document, note="起付线调整为 350 元（截图用演示版本）")
    return {
        **health_employment_projects(),
        "person": claim.beneficiary_id,
        "claim": claim.pk,
        "policy": version.policy_id,
        "batch": roster_batch(admin, today).pk,
        "year": today.year,
        "quarter": f"{today.year}Q{(today.month - 1) // 3 + 1}",
        "admitted": today - datetime.timedelta(days=8),
        "discharged": today - datetime.timedelta(days=2),
    }


def health_employment_projects() -> dict:
    """From what ``load_demo`` added for 健康管理, 就业扶贫 and 产业扶贫, the fullest page of each: a patient with
    a record, a card and a case that has moved; a 中职 graduate in a firm (the three-year rule) most visited;
    the project being carried out with the most participants."""
    from django.db.models import Count

    from beneficiaries.models import Beneficiary
    from employment.models import Placement, SchoolLevel
    from health.models import TreatmentCase
    from projects.models import Project

    patient = (Beneficiary.objects.filter(health_record__isnull=False, health_cards__isnull=False,
                                          treatment_cases__status=TreatmentCase.Status.TREATED)
               .order_by("pk").first())
    child = (Beneficiary.objects.filter(child_surveys__level=SchoolLevel.SECONDARY_VOCATIONAL,
                                        placements__kind=Placement.Kind.ENTERPRISE, placements__ends_on=None)
             .annotate(visits=Count("placements__visits", distinct=True)).filter(visits__gt=0)
             .order_by("-visits", "pk").first())
    project = (Project.objects.filter(status=Project.Status.IMPLEMENTING)
               .annotate(people=Count("participations")).order_by("-people", "pk").first())
    return {"health_person": patient.pk, "child": child.pk, "project": project.pk}


def roster_batch(admin, today: datetime.date):
    """The civil-affairs list of one township as this month's list: everyone on it but the last, who has
    gone, one listed in another village of the township, and a newcomer."""
    import openpyxl

    from beneficiaries.idnumbers import check_character
    from beneficiaries.models import Category
    from regions.models import Region
    from rosters.selectors import registry_holders
    from rosters.services import roster_apply, roster_request

    month = today.replace(day=1)
    holders = sorted(registry_holders(source="civil_affairs", first_day=month, area_prefix=ROSTER_TOWNSHIP).items())
    names = dict(Category.objects.values_list("code", "name"))
    villages = list(Region.objects.filter(parent_id=ROSTER_TOWNSHIP).values_list("code", flat=True))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["序号", "姓名", "身份证号", "人员类别", "行政区划代码"])
    for index, (number, person) in enumerate(holders[:-1], start=1):
        village = person.village_code
        if index == 1:
            village = next(code for code in villages if code != village)
        sheet.append([index, person.name, number, "、".join(names[code] for code in sorted(person.held)), village])
    first17 = "50024219700101123"
    sheet.append([len(holders), "冉新来", first17 + check_character(first17), names["dibao_rural"], villages[0]])
    content = io.BytesIO()
    book.save(content)
    request = roster_request(user=admin, source="civil_affairs", month=month, area_code=ROSTER_TOWNSHIP)
    return roster_apply(user=admin, request=request, file_name=f"龙潭镇{month:%Y年%m月}低保特困名单.xlsx",
                        content=content.getvalue())


def shot_url(shot: Shot, refs: dict) -> str:
    from django.urls import reverse

    return reverse(shot.url_name, args=[refs[key] for key in shot.args]) + shot.query.format(**refs)


def wait_for_server(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"服务器没有启动：\n{log.read_text(encoding='utf-8')[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"服务器 60 秒内没有响应：{url}")


def take(shots: list[Shot], refs: dict, base: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # The language of the process, not only of the pages: date inputs follow it (年/月/日 as on a county's PC).
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--lang=zh-CN"],
                                             env=dict(os.environ, LANG="zh_CN.UTF-8", LANGUAGE="zh_CN"))
        for user in dict.fromkeys(shot.user for shot in shots):
            context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=VIEWPORT)
            context.set_default_timeout(20_000)
            page = context.new_page()
            if user:
                page.goto(f"{base}/login/")
                page.fill("#id_username", user)
                page.fill("#id_password", PASSWORD)
                with page.expect_navigation():
                    page.click("form button[type=submit]")
            for shot in (shot for shot in shots if shot.user == user):
                page.set_viewport_size(A4 if shot.slip else VIEWPORT)
                page.emulate_media(media="print" if shot.slip else "screen")
                page.goto(base + shot_url(shot, refs), wait_until="load")
                if shot.fill:
                    shot.fill(page, refs)
                if shot.scroll_to:
                    page.locator(shot.scroll_to).first.evaluate("element => element.scrollIntoView()")
                path = out / f"{shot.name}.png"
                page.screenshot(path=str(path), full_page=shot.slip)
                print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {shot.caption}")
            context.close()
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where the PNGs go (docs/screens/)")
    parser.add_argument("--only", help="comma-separated names or name prefixes of SHOTS, e.g. 08,ledger")
    parser.add_argument("--keep", type=Path, help="build the database in this directory and keep it")
    options = parser.parse_args()
    shots = SHOTS
    if options.only:
        wanted = options.only.split(",")
        shots = [shot for shot in SHOTS if any(part in shot.name for part in wanted)]
    work = options.keep or Path(tempfile.mkdtemp(prefix="screens-"))
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, VAR_DIR=str(work), DATABASE_URL=f"sqlite:///{work / 'db.sqlite3'}",
               DJANGO_SETTINGS_MODULE="config.settings")
    for name in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "LOG_DIR"):  # bin/run's settings, whatever the shell has
        env.pop(name, None)
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    today = datetime.date.today()
    refs = build_demo(today)
    from django.db import connections

    connections.close_all()
    port = free_port()
    log = work / "runserver.log"
    with log.open("w") as output:
        server = subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                                  cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_server(f"{base}/login/", server, log)
        options.out.mkdir(parents=True, exist_ok=True)
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # reverse() below runs beside Playwright's loop
        take(shots, refs, base, options.out)
        (options.out / "README.md").write_text(readme(), encoding="utf-8")
    finally:
        server.terminate()
        server.wait(timeout=30)
        if options.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
