"""Under the Content-Security-Policy, in a real browser: Chromium reports no violation on the main pages of a
clerk and of an administrator (the admin site included), and the behaviour moved out of inline handlers into
static/js still works (printing, disabling the claim form's button once sent, going back from a form,
the export page's "select all" box), as do htmx's live previews and the admin's autocomplete.

Violations are collected from the ``securitypolicyviolation`` event of every page (an init script reports them
to the test through an exposed binding) and from Chromium's console; uncaught script errors count too. The last
steps break the policy on purpose and check that the watch sees it, so that silence means something.
"""

from __future__ import annotations

import re

import pytest
from browser_support import log_in

from claims.models import Claim
from tests.conftest import PASSWORD
from tests.rosters.conftest import new_id_number, roster_rows, xlsx_bytes

expect = pytest.importorskip("playwright.sync_api", reason="Playwright 未安装：浏览器测试跳过").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WATCH = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation({page: location.pathname + location.search, directive: event.violatedDirective,
                         blocked: event.blockedURI, sample: event.sample, line: event.lineNumber});
});
// Printing would open a dialog: count the calls instead.
window.print = () => { window.__printed = (window.__printed || 0) + 1; };
"""


class Watch:
    """What the browser reported: policy violations and uncaught script errors, with the page they were on."""

    def __init__(self, page):
        self.violations: list[dict] = []
        self.console: list[str] = []
        self.errors: list[str] = []
        context = page.context
        context.expose_binding("__cspViolation", lambda source, report: self.violations.append(report))
        context.add_init_script(WATCH)
        context.on("console", self._console)
        context.on("page", lambda opened: opened.on("pageerror", lambda error: self.errors.append(str(error))))
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(f"{message.page.url if message.page else ''}: {message.text}")

    def assert_clean(self, page) -> None:
        page.wait_for_timeout(200)  # violation events are dispatched asynchronously
        assert not self.violations, "CSP violations:\n" + "\n".join(map(str, self.violations))
        assert not self.console, "CSP messages in the console:\n" + "\n".join(self.console)
        assert not self.errors, "Script errors:\n" + "\n".join(self.errors)


def visit(page, live_server, path: str):
    response = page.goto(f"{live_server.url}{path}")
    assert response.ok, f"{path}: {response.status}"
    page.wait_for_load_state("load")
    return response


@pytest.fixture
def ready(load_vector_policy, make_person, village_a, covered, hospital, clerk_a, county_admin, media,
          immediate_tasks):
    load_vector_policy("youyang-2017")
    person = covered(make_person(village_a, name="冉玉梅"), 2017, ["poor"])
    return person, hospital("county", name="酉阳县人民医院")


def test_a_clerks_pages_break_no_policy_and_the_moved_handlers_work(browser_page, live_server, ready):
    page, (person, _) = browser_page, ready
    watch = Watch(page)
    log_in(page, live_server, "clerk_a", PASSWORD)

    # The document carries the policy and no-store; a static file is still cacheable.
    home = visit(page, live_server, "/")
    headers = home.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "style-src 'self'" in headers["content-security-policy"]
    assert "no-store" in headers["cache-control"]
    static = page.request.get(f"{live_server.url}/static/css/app.css")
    assert static.ok and "no-store" not in static.headers.get("cache-control", "")

    visit(page, live_server, f"/people/?q={person.name}")
    expect(page.locator("main")).to_contain_text(person.name)
    visit(page, live_server, f"/people/{person.pk}/")

    # A form's 取消 goes back (static/js/app.js, data-back), not to its fallback address.
    with page.expect_navigation():
        page.click("a.button:text-is('修改信息')")
    expect(page.locator("h1")).to_contain_text("修改")
    with page.expect_navigation():
        page.click("a[data-back]")
    assert page.url.endswith(f"/people/{person.pk}/"), page.url

    # The claim form: the htmx preview settles as the clerk types; the button is disabled once the form is sent.
    visit(page, live_server, f"/claims/new/{person.pk}/")
    page.select_option("#id_hospital", label="酉阳县人民医院")
    page.select_option("#id_visit_type", value="inpatient")
    page.fill("#id_admitted_on", "2017-07-29")
    page.fill("#id_discharged_on", "2017-08-03")
    page.fill("#id_diagnoses", "I63.900 脑梗死")
    page.fill("#id_total", "60000")
    page.fill("#id_in_catalog", "48000")
    expect(page.locator("#preview table.settlement tfoot")).to_contain_text("¥9,269.80")
    expect(page.locator(".htmx-request")).to_have_count(0)
    expect(page.locator("head style")).to_have_count(0)  # htmx injected no indicator styles
    page.evaluate("""window.addEventListener("submit", () => sessionStorage.setItem("disabledWhenSent",
        String(document.querySelector("#claim-form button[type=submit]").disabled)))""")
    with page.expect_navigation():
        page.click("#claim-form button[type=submit]")
    assert page.evaluate("sessionStorage.getItem('disabledWhenSent')") == "true"
    claim = Claim.objects.get()
    assert page.url.endswith(f"/claims/{claim.pk}/"), page.url

    # The slip: its print button prints; A5 paper narrows the page (the styles now come from static CSS).
    visit(page, live_server, f"/claims/{claim.pk}/slip/")
    a4_width = page.evaluate("parseFloat(getComputedStyle(document.body).maxWidth)")
    page.click("button:text-is('打印')")
    assert page.evaluate("window.__printed") == 1
    visit(page, live_server, f"/claims/{claim.pk}/slip/?paper=A5")
    a5_width = page.evaluate("parseFloat(getComputedStyle(document.body).maxWidth)")
    assert round(a4_width) == round(186 * 96 / 25.4) and round(a5_width) == round(132 * 96 / 25.4), (a4_width, a5_width)

    # The calculator: htmx settles the bill as it is typed; 打印 prints.
    visit(page, live_server, "/policies/calculator/")
    page.fill("#id_date", "2017-08-03")
    page.select_option("#id_visit_type", value="inpatient")
    page.select_option("#id_hospital_level", value="county")
    page.check("input[name=categories][value=poor]")
    page.fill("#id_total", "60000")
    page.fill("#id_in_catalog", "48000")
    expect(page.locator("#settlement table.settlement tfoot")).to_contain_text("¥9,269.80")
    page.click("button:text-is('打印')")
    assert page.evaluate("window.__printed") == 1

    # The ledger, the statistics with their SVG charts, the responsibility table, the adjustments.
    visit(page, live_server, "/ledger/?area=500242100&period=year&year=2017")
    expect(page.locator("table.ledger tbody")).to_contain_text("冉玉梅")
    visit(page, live_server, "/ledger/stats/?area=500242100&quarter=2017Q3")
    expect(page.locator("figure.chart svg").first).to_be_visible()
    visit(page, live_server, "/ledger/responsibilities/")
    visit(page, live_server, "/claims/adjustments/")
    visit(page, live_server, "/password/")

    watch.assert_clean(page)
    assert_the_watch_sees_a_violation(page, watch)


def test_an_administrators_pages_and_the_admin_break_no_policy(browser_page, live_server, ready, county_admin):
    page, (person, _) = browser_page, ready
    watch = Watch(page)
    log_in(page, live_server, county_admin.username, PASSWORD)
    person.name = "冉玉梅"
    person.phone = "13800000000"
    person.save()  # a second version for the history

    # The rosters pages: upload a list and land on its batch.
    visit(page, live_server, "/rosters/")
    visit(page, live_server, "/rosters/upload/")
    page.select_option("#id_source", value="civil_affairs")
    page.fill("#id_month", "2024-05")
    page.set_input_files("#id_file", files=[{
        "name": "名单.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": xlsx_bytes(roster_rows(["新人", new_id_number(), "农村低保", "500242100201"]))}])
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert re.search(r"/rosters/\d+/$", page.url), page.url
    expect(page.locator("a.card.stat[aria-current]")).to_have_count(1)
    border = page.locator("a.card.stat[aria-current]").evaluate("e => getComputedStyle(e).borderTopColor")
    assert border == "rgb(11, 83, 148)", border  # var(--brand), from app.css now

    # The admin: index, changelist, change form with its autocomplete, history, one old version.
    visit(page, live_server, "/admin/")
    visit(page, live_server, "/admin/beneficiaries/beneficiary/")
    expect(page.locator("#result_list")).to_contain_text("冉玉梅")
    visit(page, live_server, f"/admin/beneficiaries/beneficiary/{person.pk}/change/")
    page.locator(".field-village .select2-selection").click()
    page.locator(".select2-search__field").fill("红花")
    expect(page.locator(".select2-results__option").first).to_contain_text("红花村")
    page.keyboard.press("Escape")
    visit(page, live_server, f"/admin/beneficiaries/beneficiary/{person.pk}/history/")
    expect(page.locator("#change-history")).to_contain_text("13800000000")
    with page.expect_navigation():
        page.locator("#change-history tbody a").last.click()
    expect(page.locator("#content")).to_contain_text("冉玉梅")
    visit(page, live_server, "/admin/claims/claim/")
    visit(page, live_server, "/admin/accounts/user/")
    page.check("#action-toggle")  # admin/js/actions.js selects every row
    expect(page.locator("input.action-select:not(:checked)")).to_have_count(0)
    expect(page.locator(".action-counter")).to_contain_text("2")
    visit(page, live_server, f"/admin/accounts/user/{county_admin.pk}/change/")
    visit(page, live_server, "/admin/beneficiaries/beneficiary/import/")

    # django-import-export's export page: "select all" clears and sets every field box.
    visit(page, live_server, "/admin/beneficiaries/beneficiary/export/")
    fields = page.locator(".selectable-field-export-row input[type=checkbox]:visible")
    assert fields.count() > 1
    page.uncheck("input.select-toggle")
    expect(page.locator(".selectable-field-export-row input[type=checkbox]:checked")).to_have_count(0)
    page.check("input.select-toggle")
    expect(page.locator(".selectable-field-export-row input[type=checkbox]:visible:not(:checked)")).to_have_count(0)

    watch.assert_clean(page)
    assert_the_watch_sees_a_violation(page, watch)


def assert_the_watch_sees_a_violation(page, watch: Watch) -> None:
    """Break the policy on purpose: an inline style and an inline script must both be reported (and not run)."""
    page.evaluate("""document.body.insertAdjacentHTML("beforeend", '<p id="forbidden" style="color: red">x</p>');
        const script = document.createElement("script"); script.textContent = "window.__ranInline = true";
        document.body.appendChild(script);""")
    page.wait_for_function("() => true")
    expect(page.locator("#forbidden")).to_have_css("color", re.compile(r"^(?!rgb\(255, 0, 0\)).*"))
    page.wait_for_timeout(300)
    directives = {violation["directive"] for violation in watch.violations}
    assert {"style-src-attr", "script-src-elem"} <= directives, watch.violations
    assert page.evaluate("window.__ranInline") is None
