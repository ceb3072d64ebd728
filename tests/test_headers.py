"""HTTP headers: the Content-Security-Policy, Cache-Control: no-store, and proxy headers believed only when configured.

The browser half (Chromium reports no violation of the policy on the main pages) is tests/browser/test_csp.py.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys

import openpyxl
import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils.cache import get_max_age

from beneficiaries.models import Beneficiary
from claims.models import Claim
from config.security import NoStoreMiddleware, client_ip
from ledgers.models import LedgerExport
from rosters.models import RosterBatch
from tests.claims.conftest import hospital, load_vector_policy, settle  # noqa: F401  (fixtures)
from tests.conftest import PASSWORD
from tests.ledgers.conftest import YEAR, county_2017  # noqa: F401  (fixture)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}

# What the policy refuses in a page: a <script> without src (JSON data blocks are not run), a <style> element,
# a style="…" attribute, an on…="…" handler attribute, a javascript: URL.
INLINE = {
    "inline script": re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def policy_of(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"{response.status_code} {getattr(response, 'url', '')}: no Content-Security-Policy header"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def cache_directives(response) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def inline_code(html: str) -> list[str]:
    found = []
    for kind, pattern in INLINE.items():
        for match in pattern.finditer(html):
            found.append(f"{kind}: {html[max(match.start() - 20, 0):match.end() + 60]!r}")
    return found


def assert_protected(response, *, page: bool = True) -> None:
    """The strict policy and no-store on this response; a page also has no inline code the policy refuses."""
    where = f"{response.request['PATH_INFO']} ({response.status_code})"
    assert policy_of(response) == POLICY, where
    assert "no-store" in cache_directives(response), f"{where}: Cache-Control {response.get('Cache-Control')!r}"
    if page:
        assert response.status_code == 200, where
        html = response.content.decode()
        assert not inline_code(html), f"{where}: " + "\n".join(inline_code(html))


# --- the policy and the scan themselves -----------------------------------------------------------------------


def test_the_policy_is_the_strict_one_without_unsafe_sources():
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert {name: list(values) for name, values in directives.items()} == POLICY
    assert not any("unsafe" in value or "nonce" in value for values in directives.values() for value in values)
    assert "csp.middleware.CSPMiddleware" in settings.MIDDLEWARE


def test_the_scan_finds_what_the_policy_refuses():
    """The page check in this file is worth something only if it sees the things it looks for."""
    for html in ('<button onclick="window.print()">', '<div class="x" style="color:red">', "<style>p{}</style>",
                 "<script>alert(1)</script>", '<a href="javascript:history.back()">'):
        assert inline_code(html), html
    for html in ('<script src="/static/js/app.js" defer></script>', '<a data-back href="/">',
                 '<rect fill="#0b5394" stroke-width="2">', '<script id="d" type="application/json">{}</script>'):
        assert not inline_code(html), html


# --- pages of the site ----------------------------------------------------------------------------------------


@pytest.fixture
def red(county_2017):  # noqa: F811
    return Beneficiary.objects.get(name="田小红")


def test_a_clerks_pages_and_fragments_have_the_policy_no_store_and_no_inline_code(client, clerk_a, red):
    client.force_login(clerk_a)
    claim = Claim.objects.filter(beneficiary=red, status=Claim.Status.SETTLED).first()
    pages = [
        reverse("home"), reverse("search") + "?q=田", reverse("person_detail", args=[red.pk]),
        reverse("person_edit", args=[red.pk]), reverse("household_create"),
        reverse("claim_create", args=[red.pk]), reverse("claim_detail", args=[claim.pk]),
        reverse("claim_slip", args=[claim.pk]), reverse("claim_slip", args=[claim.pk]) + "?paper=A5",
        reverse("claim_void", args=[claim.pk]), reverse("claim_import"), reverse("adjustment_list"),
        reverse("calculator"), reverse("ledger"),
        reverse("ledger") + f"?area=500242100&period=year&year={YEAR}",
        reverse("ledger_stats") + f"?area=500242100&quarter={YEAR}Q3", reverse("responsibilities"),
        reverse("password_change"),
    ]
    for url in pages:
        assert_protected(client.get(url))
    # htmx fragments: the claim preview and the calculator's settlement.
    preview = client.post(reverse("claim_create", args=[red.pk]), {"total": "1000"}, HTTP_HX_REQUEST="true")
    assert_protected(preview)
    assert 'id="preview"' in preview.content.decode()
    assert_protected(client.post(reverse("calculator"), {"total": "1000"}, HTTP_HX_REQUEST="true"))


def test_pages_that_load_htmx_turn_off_its_inline_styles_and_eval(client, clerk_a, red):
    client.force_login(clerk_a)
    html = client.get(reverse("claim_create", args=[red.pk])).content.decode()
    assert "htmx.min.js" in html
    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html).group(1))
    assert config == {"includeIndicatorStyles": False, "allowEval": False, "allowScriptTags": False}
    assert re.search(r'<script src="/static/js/app\.js" defer>', html)
    assert "data-disable-on-submit" in html


def test_pages_anyone_sees_have_the_policy_too(client, db):
    assert_protected(client.get(reverse("login")))
    redirect = client.get(reverse("home"))  # to the login page
    assert redirect.status_code == 302
    assert_protected(redirect, page=False)


def test_the_lockout_page_has_the_policy(client, clerk_a):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "clerk_a", "password": "wrong"})
    locked = client.post(reverse("login"), {"username": "clerk_a", "password": PASSWORD})
    assert locked.status_code == 429
    assert policy_of(locked) == POLICY and "no-store" in cache_directives(locked)
    assert not inline_code(locked.content.decode())


def test_administrator_pages_have_the_policy_no_store_and_no_inline_code(client, county_admin, red, media,
                                                                         immediate_tasks):
    client.force_login(county_admin)
    red.name = "田小红（改）"
    red.save()  # a second version in the history
    version = red.history.order_by("history_id").first()
    claim = Claim.objects.filter(beneficiary=red).first()
    batch = upload_roster(client)
    pages = [
        "/admin/", "/admin/beneficiaries/beneficiary/", "/admin/beneficiaries/beneficiary/?q=田",
        f"/admin/beneficiaries/beneficiary/{red.pk}/change/", f"/admin/beneficiaries/beneficiary/{red.pk}/history/",
        f"/admin/beneficiaries/beneficiary/{red.pk}/history/{version.history_id}/",
        "/admin/beneficiaries/beneficiary/add/", "/admin/beneficiaries/beneficiary/export/",
        "/admin/beneficiaries/beneficiary/import/", "/admin/beneficiaries/household/add/",
        "/admin/claims/claim/", f"/admin/claims/claim/{claim.pk}/change/", f"/admin/claims/claim/{claim.pk}/history/",
        "/admin/claims/hospital/", "/admin/accounts/user/", f"/admin/accounts/user/{county_admin.pk}/change/",
        f"/admin/accounts/user/{county_admin.pk}/password/", "/admin/policies/policy/", "/admin/regions/region/",
        "/admin/policies/policyversion/", "/admin/rosters/rosterbatch/", f"/admin/rosters/rosterbatch/{batch.pk}/change/",
        "/admin/axes/accessattempt/",
        reverse("rosters:batch_list"), reverse("rosters:batch_upload"),
        reverse("rosters:batch_detail", args=[batch.pk]), reverse("rosters:batch_progress", args=[batch.pk]),
    ]
    for url in pages:
        assert_protected(client.get(url))
    # The admin's delete confirmation (reached through the changelist action) too.
    other = type(county_admin).objects.get(username="clerk_b")
    confirm = client.post("/admin/accounts/user/", {"action": "delete_selected", "_selected_action": [other.pk]})
    assert_protected(confirm)
    assert re.search(r"<title>[^<]*删除", confirm.content.decode())  # the confirmation, not the list again


def test_the_export_page_keeps_its_select_all_box_without_inline_code(client, county_admin, red):
    client.force_login(county_admin)
    html = client.get("/admin/beneficiaries/beneficiary/export/").content.decode()
    assert 'class="select-toggle" id="select-all-toggle"' in html
    assert "/static/js/admin-export.js" in html and "/static/import_export/export_selectable_fields.js" in html
    assert "/static/css/admin.css" in html
    history = client.get(f"/admin/beneficiaries/beneficiary/{red.pk}/history/").content.decode()
    assert 'class="paginator history-paginator"' in history


# --- downloads ------------------------------------------------------------------------------------------------


def upload_roster(client) -> RosterBatch:
    from tests.rosters.conftest import new_id_number, roster_rows, xlsx_bytes

    content = io.BytesIO(xlsx_bytes(roster_rows(["新人", new_id_number(), "农村低保", "500242100201"])))
    content.name = "名单.xlsx"
    client.post(reverse("rosters:batch_upload"), {"source": "civil_affairs", "month": "2024-05", "area": "",
                                                  "category": "", "file": content})
    return RosterBatch.objects.latest("pk")


def assert_download(response) -> None:
    assert response.status_code == 200, response.status_code
    assert response["Content-Disposition"].startswith("attachment"), response["Content-Disposition"]
    assert_protected(response, page=False)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    openpyxl.load_workbook(io.BytesIO(body))  # a real workbook, not an error page


def test_downloads_have_the_policy_and_no_store(client, county_admin, red, media, immediate_tasks):
    client.force_login(county_admin)
    # The 36-column ledger, written in the background and served as a file.
    client.post(reverse("ledger_export_start"), {"area": "500242", "period": "year", "year": str(YEAR)})
    export = LedgerExport.objects.get()
    assert_protected(client.get(reverse("ledger_export_detail", args=[export.pk])))
    assert_protected(client.get(reverse("ledger_export_progress", args=[export.pk])))  # the htmx fragment
    assert_download(client.get(reverse("ledger_export_download", args=[export.pk])))
    # Workbooks answered directly.
    assert_download(client.get(reverse("ledger_stats_export"), {"area": "500242", "quarter": f"{YEAR}Q3"}))
    assert_download(client.get(reverse("responsibilities_export"), {"area": "500242"}))
    assert_download(client.get(reverse("adjustment_list"), {"format": "xlsx"}))
    # The roster comparison report.
    assert_download(client.get(reverse("rosters:batch_report", args=[upload_roster(client).pk])))
    # The admin's export (django-import-export).
    assert_download(client.post("/admin/beneficiaries/beneficiary/export/",
                                {"format": "1", "resource": "0", "beneficiaryresource_name": "on"}))


# --- Cache-Control and static files ---------------------------------------------------------------------------


def test_no_store_is_added_to_what_a_view_already_says_and_not_to_static_files(settings):
    settings.STATIC_URL = "static/"
    factory = RequestFactory()

    def view_answering(cache_control: str | None):
        def view(request):
            response = HttpResponse("x")
            if cache_control:
                response["Cache-Control"] = cache_control
            return response
        return NoStoreMiddleware(view)

    page = view_answering(None)(factory.get("/people/1/"))
    assert cache_directives(page) == {"no-store"}
    cached = view_answering("max-age=600")(factory.get("/ledger/"))
    assert "no-store" in cache_directives(cached) and get_max_age(cached) == 600
    static = view_answering("max-age=600, public")(factory.get("/static/css/app.css"))
    assert static["Cache-Control"] == "max-age=600, public"
    # Only the static prefix itself is exempt, not a page whose path merely begins alike.
    assert "no-store" in cache_directives(view_answering(None)(factory.get("/staticky/")))


# --- proxy headers --------------------------------------------------------------------------------------------


def settings_in_a_fresh_process(**env) -> dict:
    """The proxy-related settings as config/settings.py computes them from the environment."""
    code = ("import json, django; django.setup(); from django.conf import settings as s; "
            "print(json.dumps({'proxy_ssl_header': s.SECURE_PROXY_SSL_HEADER, "
            "'trusted_proxy_count': s.TRUSTED_PROXY_COUNT, 'axes_ip': s.AXES_CLIENT_IP_CALLABLE}))")
    environment = {k: v for k, v in os.environ.items() if k != "TRUSTED_PROXY_COUNT"}
    environment |= {"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", "ALLOWED_HOSTS": "yb.example.gov.cn",
                    "SECRET_KEY": "k" * 20 + "a-production-like-secret-key-for-this-test-only", **env}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_proxy_headers_are_trusted_only_when_proxies_are_configured():
    default = settings_in_a_fresh_process()
    assert default == {"proxy_ssl_header": None, "trusted_proxy_count": 0, "axes_ip": "config.security.client_ip"}
    assert settings_in_a_fresh_process(TRUSTED_PROXY_COUNT="0")["proxy_ssl_header"] is None
    behind = settings_in_a_fresh_process(TRUSTED_PROXY_COUNT="1")
    assert behind["proxy_ssl_header"] == ["HTTP_X_FORWARDED_PROTO", "https"] and behind["trusted_proxy_count"] == 1


def test_a_forged_forwarded_proto_does_not_make_a_request_secure(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert settings.SECURE_PROXY_SSL_HEADER is None  # the test run's environment configures no proxy
    response = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301 and response["Location"].startswith("https://")


def test_behind_a_configured_proxy_its_forwarded_proto_is_believed(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # as TRUSTED_PROXY_COUNT=1 sets it
    assert client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https").status_code == 200
    assert client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="http").status_code == 301


@pytest.mark.parametrize(("count", "remote", "forwarded", "expected"), [
    (0, "203.0.113.9", "", "203.0.113.9"),
    (0, "203.0.113.9", "198.51.100.1", "203.0.113.9"),  # no proxy: the header is anybody's
    (1, "10.0.0.2", "198.51.100.1", "198.51.100.1"),  # what the proxy appended
    (1, "10.0.0.2", "1.2.3.4, 198.51.100.1", "198.51.100.1"),  # the client's own entry is ignored
    (2, "10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.9", "198.51.100.1"),  # two proxies
    (2, "10.0.0.2", "198.51.100.1", "10.0.0.2"),  # fewer entries than proxies: not through them
    (1, "10.0.0.2", "", "10.0.0.2"),
    (1, "10.0.0.2", "1.2.3.4, not-an-address", "10.0.0.2"),
    (1, "10.0.0.2", " 2001:db8::1 ", "2001:db8::1"),
])
def test_the_client_address_for_lockouts(settings, count, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/login/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def fail_logins(client, forwarded_for: list[str]) -> None:
    """Wrong passwords, one per X-Forwarded-For value: the form again each time until the last locks it."""
    for number, address in enumerate(forwarded_for, start=1):
        response = client.post(reverse("login"), {"username": "clerk_a", "password": "wrong"},
                               HTTP_X_FORWARDED_FOR=address)
        assert response.status_code == (429 if number == settings.AXES_FAILURE_LIMIT else 200), number


def test_a_forged_forwarded_for_does_not_dodge_the_lockout(client, clerk_a):
    fail_logins(client, [f"198.51.100.{n}" for n in range(settings.AXES_FAILURE_LIMIT)])
    locked = client.post(reverse("login"), {"username": "clerk_a", "password": PASSWORD},
                         HTTP_X_FORWARDED_FOR="198.51.100.200")
    assert locked.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_behind_a_configured_proxy_lockouts_count_the_address_the_proxy_saw(client, clerk_a, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # One person behind the proxy, forging a new first entry each time: locked out all the same.
    fail_logins(client, [f"1.2.3.{n}, 198.51.100.7" for n in range(settings.AXES_FAILURE_LIMIT)])
    locked = client.post(reverse("login"), {"username": "clerk_a", "password": PASSWORD},
                         HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.7")
    assert locked.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    # Someone else behind the same proxy (same REMOTE_ADDR) is not locked out with them.
    other = client.post(reverse("login"), {"username": "clerk_a", "password": PASSWORD},
                        HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other.status_code == 302 and other["Location"] == reverse("home")


def test_production_settings_pass_check_deploy_behind_a_proxy_too():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "x" * 60 + "production-like-secret-key-for-the-check",
           "ALLOWED_HOSTS": "yb.example.gov.cn", "TRUSTED_PROXY_COUNT": "1"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
