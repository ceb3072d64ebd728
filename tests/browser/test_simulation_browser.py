"""政策试算 in a real browser under the Content-Security-Policy: an official uploads a draft, the page polls the
progress bar (htmx) while the job runs, turns into the report with its SVG chart when it is done, and the Excel
file downloads; Chromium reports no policy violation and no script error on the way."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from browser_support import log_in

from accounts.services import system_user
from claims.models import Hospital, PolicySimulation
from claims.services import BillFacts, claim_settle
from claims.simulation import simulation_run
from policies.services import policy_load
from tests.browser.test_csp import Watch, visit
from tests.conftest import PASSWORD

expect = pytest.importorskip("playwright.sync_api", reason="Playwright 未安装：浏览器测试跳过").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHIPPED = Path(__file__).resolve().parents[2] / "policies" / "data" / "youyang-2017.json"


@pytest.fixture
def a_year(make_person, village_a, village_b, covered, viewer, media, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # the job waits: progress shows
    document = json.loads(SHIPPED.read_text(encoding="utf-8"))
    policy_load(user=system_user(), document=document)
    hospital = Hospital.objects.create(name="酉阳县人民医院", level="county")
    for village, name, total in ((village_a, "田小红", "60000"), (village_b, "白明华", "30000")):
        person = covered(make_person(village, name=name), 2017, ["poor", "dibao_rural"])
        claim_settle(user=system_user(), person=person, bill=BillFacts(
            hospital=hospital, visit_type="inpatient", admitted_on=datetime.date(2017, 7, 1),
            discharged_on=datetime.date(2017, 7, 9), total=Decimal(total), in_catalog=Decimal(total) * 4 / 5))
    draft = document | {"code": "youyang-2017-draft", "name": "酉阳 2017 草案"}
    draft["layers"] = [layer for layer in document["layers"] if layer["code"] != "jzfp_insurance"]
    return draft


def test_an_official_runs_a_trial_and_reads_the_report_under_the_policy(browser_page, live_server, a_year, tmp_path):
    page = browser_page
    watch = Watch(page)
    log_in(page, live_server, "viewer", PASSWORD)
    visit(page, live_server, "/claims/simulations/")
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps(a_year, ensure_ascii=False), encoding="utf-8")
    page.set_input_files("#id_file", str(draft))
    page.fill("#id_year", "2017")
    with page.expect_navigation():
        page.click("form.simulation-form button[type=submit]")
    run = PolicySimulation.objects.get()
    expect(page.locator("#simulation-status")).to_have_text("排队中")
    expect(page.locator("#simulation-progress progress")).to_have_count(1)
    # The worker's part, while the page polls: when it is done the page becomes the report.
    simulation_run(simulation_id=run.pk)
    expect(page.locator("h2", has_text="按资金")).to_be_visible(timeout=10_000)
    expect(page.locator("figure.chart svg rect")).to_have_count(10)
    expect(page.locator("main")).to_contain_text("精准脱贫保")
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#simulation-download")
    assert download.value.suggested_filename.endswith(".xlsx")
    watch.assert_clean(page)
