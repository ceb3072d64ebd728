"""The users of the load test "Fifty clerks at once" (``benchmarks/load.py`` runs it, ``tests/load/`` in a short
form): clerks at hospital windows, officials exporting the ledger, an administrator applying rosters, each a
browser as the product sees it behind nginx.

Everything they need comes from the plan (JSON, its path in ``LOAD_PLAN``, written by ``benchmarks/load.py``):
the accounts, the people of each township, the hospitals, the roster files, the year's first day, and the file
to which every bill a clerk saved is appended (one JSON line per save the server acknowledged: the claim number
and what was entered), for the check in the database afterwards. ``LOAD_THINK`` scales every pause (1 = as
written below; the short form uses less). With ``LOAD_ROUNDS`` each user does that many rounds of its task (a
bill, an export, a roster) and stops, and the run ends when all have: the short form's fixed amount of work,
however slow the machine.

What nginx does for a browser is done here: each request says it came over HTTPS (``X-Forwarded-Proto``) and
from the user's own address (``X-Forwarded-For``, one per simulated user, so that django-axes counts each
apart) and comes on a connection of its own (nginx's default towards its upstream, docs/deploy.md: so any free
gunicorn worker takes it, not the one a kept-alive connection is tied to), the cookies the server marked
Secure are sent back as the browser sends them to nginx over HTTPS (``over_https``), and form posts carry the
Origin and Referer a browser sends.
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import random
import re
from decimal import Decimal
from pathlib import Path

import gevent
from locust import HttpUser, between, task
from locust.exception import StopUser

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text(encoding="utf-8"))
THINK = float(os.environ.get("LOAD_THINK", "1"))
ROUNDS = int(os.environ.get("LOAD_ROUNDS", "0"))  # 0: until locust's run time is up
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SUBMISSION = re.compile(r'name="submission" value="([^"]+)"')
CLAIM_PAGE = re.compile(r"^/claims/(\d+)/$")
EXPORT_PAGE = re.compile(r"^/ledger/exports/(\d+)/$")
BATCH_PAGE = re.compile(r"^/rosters/(\d+)/$")
DUPLICATE = "已有账单（"  # claims.services.DUPLICATE: the bill may be one already entered
DOUBLE_SUBMIT_SHARE = 0.05  # saves sent twice at once (a double click, a resent form)
HOT_SHARE = 0.25  # bills of a few people whose large bills reach the annual caps, from several windows at once
CENT = Decimal("0.01")

_addresses = itertools.count(1)
_accounts = {role: itertools.cycle(PLAN["accounts"][role]) for role in ("clerk", "official", "admin")}
_rosters = iter(PLAN["rosters"])
_stopped = itertools.count(1)


def think(low: float, high: float) -> None:
    gevent.sleep(random.uniform(low, high) * THINK)


def status(response) -> str:
    """What came back: the HTTP status, or why nothing did (status 0: the connection failed)."""
    return f"HTTP {response.status_code}" if response.status_code else f"无响应：{response.error!r}"


def money(low: float, high: float) -> Decimal:
    return (Decimal(str(random.uniform(low, high)))).quantize(CENT)


class Browser(HttpUser):
    abstract = True
    role = ""

    def on_start(self):
        number = next(_addresses)
        self.client.headers.update({
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": f"10.{number // 250}.{number % 250}.{1 + number % 200}",
            "Connection": "close",
            "User-Agent": f"load-test {self.role}",
        })
        self.origin = "https://" + self.host.split("://", 1)[1].rstrip("/")
        self.account = next(_accounts[self.role])
        self.rounds = 0
        self.log_in()

    @task
    def act(self):
        self.round()
        self.rounds += 1
        if ROUNDS and self.rounds >= ROUNDS:
            raise StopUser()

    def round(self):
        raise NotImplementedError

    def on_stop(self):
        if ROUNDS and next(_stopped) == self.environment.parsed_options.num_users:
            gevent.spawn(self.environment.runner.quit)  # from outside this user's greenlet, which it kills

    def over_https(self):
        """Before each request: the cookies the server set Secure go with it, as the browser sends them to nginx
        over HTTPS (requests sends a Secure cookie over https only, and this hop is plain HTTP)."""
        for cookie in self.client.cookies:
            cookie.secure = False
        return self.client

    def get(self, name: str, path: str, *, contains: str | None = None, redirect: str | None = None, **params):
        """A page; a failure unless it is 200 and holds ``contains``, or with ``redirect`` a redirect there.
        Redirects are not followed: each hop is a request of its own, its cookies sent as ``over_https`` says."""
        with self.over_https().get(path, params=params or None, name=name, allow_redirects=False,
                                   catch_response=True) as response:
            if redirect is not None:
                if response.status_code != 302 or response.headers.get("Location") != redirect:
                    response.failure(f"{status(response)}，未转到 {redirect}")
            elif response.status_code != 200:
                response.failure(status(response))
            elif contains is not None and contains not in response.text:
                response.failure(f"页面中没有“{contains}”")
            return response

    def post(self, name: str, path: str, data: dict, *, referer: str, files=None, headers=None):
        """A form sent as a browser sends it (with the CSRF token of the page it was on, Origin and Referer),
        redirects not followed; the response comes open (``catch_response``) for the caller to judge (an HTTP
        error status already counts as a failure)."""
        headers = {"Origin": self.origin, "Referer": self.origin + referer, **(headers or {})}
        return self.over_https().post(path, data=data, files=files, headers=headers, name=name,
                                      allow_redirects=False, catch_response=True)

    def token(self, response) -> str:
        found = TOKEN.search(response.text)
        return found[1] if found else ""

    def log_in(self):
        page = self.get("login page", "/login/", contains='name="username"')
        data = {"username": self.account["username"], "password": self.account["password"],
                "csrfmiddlewaretoken": self.token(page), "next": ""}
        with self.post("login", "/login/", data, referer="/login/") as response:
            if response.status_code != 302:
                # Never again with this account: five failures would lock it (django-axes).
                response.failure(f"登录失败（{status(response)}）")
                raise StopUser()
        self.get("home", "/")


class Clerk(Browser):
    """A window clerk: search → person → bill form → live preview while typing → save → bill → slip, about a
    minute a bill with the pauses below (reading, typing), then 10–30 s until the next person comes."""

    role = "clerk"
    wait_time = between(10 * THINK, 30 * THINK)

    def on_start(self):
        super().on_start()
        township = PLAN["townships"][self.account["township"]]
        self.people, self.hot = township["people"], township["hot"]

    def round(self):
        """One bill."""
        hot = bool(self.hot) and random.random() < HOT_SHARE
        person = random.choice(self.hot if hot else self.people)
        self.find(person)
        think(3, 8)
        form = self.get("bill form", f"/claims/new/{person['pk']}/", contains='name="submission"')
        fields = self.bill(hot)
        fields |= {"csrfmiddlewaretoken": self.token(form), "submission": SUBMISSION.search(form.text)[1]}
        previews = self.preview_while_typing(person, fields)
        think(3, 6)
        claim = self.save(person, fields, previews)
        if claim is None:
            return
        self.get("bill", f"/claims/{claim}/", contains=f"账单 #{claim}")  # where the save sends the browser
        think(2, 5)
        self.get("slip", f"/claims/{claim}/slip/", contains=f"账单 #{claim}")

    def find(self, person: dict):
        """As a clerk finds someone: the ID card read in whole, a name, or the last digits of the number."""
        page = f"/people/{person['pk']}/"
        how = random.random()
        if how < 0.3:
            found = self.get("search (name)", "/people/", q=person["name"])
            if f'href="{page}"' in found.text:
                think(2, 5)
                self.get("person", page, contains=person["name"])
                return
            think(2, 5)  # too many of that name: the ID card after all
        elif how < 0.45:
            self.get("search (last digits)", "/people/", q=person["id_number"][-6:])
            think(2, 5)
        # The whole number finds one person: the search sends the browser straight to the person's page.
        self.get("search (ID number)", "/people/", redirect=page, q=person["id_number"], go="1")
        self.get("person", page, contains=person["name"])

    def bill(self, hot: bool) -> dict:
        first = datetime.date.fromisoformat(PLAN["first_day"])
        today = datetime.date.fromisoformat(PLAN["today"])
        discharged = first + datetime.timedelta(days=random.randrange((today - first).days + 1))
        if hot:  # a large inpatient bill far away, much of it outside the catalogue: capped layers reach their caps
            kind, hospital = "inpatient", random.choice(PLAN["hospitals"]["province"] + PLAN["hospitals"]["city"])
            total, share = money(200_000, 600_000), random.uniform(0.3, 0.6)
        else:
            kind = random.choices(("outpatient", "special_outpatient", "inpatient"), weights=(4, 2, 4))[0]
            if kind == "inpatient":
                level = random.choices(("township", "county", "city", "province"), weights=(3, 6, 1.5, 0.5))[0]
                total = money(800, {"township": 6_000, "county": 40_000, "city": 90_000, "province": 200_000}[level])
            else:
                level = "township" if kind == "outpatient" else random.choice(("township", "county"))
                total = money(30, 400 if kind == "outpatient" else 3_000)
            hospital, share = random.choice(PLAN["hospitals"][level]), random.uniform(0.6, 0.95)
        in_catalog = (total * Decimal(str(share))).quantize(CENT)
        fields = {"hospital": str(hospital), "visit_type": kind, "discharged_on": discharged.isoformat(),
                  "diagnoses": random.choice(PLAN["diagnoses"]), "total": str(total), "in_catalog": str(in_catalog)}
        if kind == "inpatient":
            fields["admitted_on"] = (discharged - datetime.timedelta(days=random.randint(2, 20))).isoformat()
            if random.random() < 0.7:
                fields["pay_later"] = "on"
        else:  # what the platform already paid, from the hospital's slip (docs/policies.md)
            fields["recorded_basic"] = str((in_catalog * Decimal("0.5")).quantize(CENT))
        return fields

    def preview_while_typing(self, person: dict, fields: dict) -> int:
        """The form's live preview (htmx posts the whole form on each change, 400 ms after the last key): as the
        hospital and visit type, the dates, the diagnoses, the total and the rest are filled in, the last one
        showing the settlement. Returns how many previews were answered as they should be."""
        typed = ["csrfmiddlewaretoken", "submission"]
        answered = 0
        steps = [["hospital", "visit_type"], ["admitted_on", "discharged_on"], ["diagnoses"], ["total"], list(fields)]
        for number, names in enumerate(steps, start=1):
            think(3, 8)
            typed += names
            shown = {name: value for name, value in fields.items() if name in typed}
            with self.post("preview", f"/claims/new/{person['pk']}/", shown, referer=f"/claims/new/{person['pk']}/",
                           headers={"HX-Request": "true", "HX-Target": "preview"}) as response:
                if response.status_code != 200 or 'id="preview"' not in response.text:
                    response.failure(status(response))
                elif number == len(steps) and "结算预览" not in response.text:
                    response.failure("填完后的预览没有结算结果")
                else:
                    answered += 1
        return answered

    def save(self, person: dict, fields: dict, previews: int) -> int | None:
        """结算并保存. Sometimes the form goes twice at once (a double click), half of those times with “确认不是重复
        录入” ticked beforehand, so that only the submission tells the two sends apart. A bill the server says may
        be one already entered is confirmed, as the form asks (the clerk checked it). The bill acknowledged is
        written down with the number of ``previews`` answered before it."""
        if random.random() < DOUBLE_SUBMIT_SHARE:
            if random.random() < 0.5:
                fields = fields | {"allow_duplicate": "on"}
            sent = [gevent.spawn(self.send, person, fields, "save (sent twice)") for _ in range(2)]
            gevent.joinall(sent)
            answers = {greenlet.value for greenlet in sent}
            claims = answers - {None, "duplicate"}
            if len(claims) > 1:
                raise AssertionError(f"一次提交保存了两张账单：{sorted(claims)}")
            claim = next(iter(claims), "duplicate" if "duplicate" in answers else None)
        else:
            claim = self.send(person, fields, "save")
        if claim == "duplicate":
            fields = fields | {"allow_duplicate": "on"}
            claim = self.send(person, fields, "save (confirmed not a duplicate)")
        if isinstance(claim, int):
            self.write_down(claim, person, fields, previews)
            return claim
        return None

    def send(self, person: dict, fields: dict, name: str) -> int | str | None:
        path = f"/claims/new/{person['pk']}/"
        with self.post(name, path, fields, referer=path) as response:
            saved = CLAIM_PAGE.match(response.headers.get("Location", "")) if response.status_code == 302 else None
            if saved:
                return int(saved[1])
            if response.status_code == 200 and DUPLICATE in response.text:
                return "duplicate"
            response.failure(f"未保存（{status(response)}）")
            return None

    def write_down(self, claim: int, person: dict, fields: dict, previews: int):
        line = {"previews": previews, "claim": claim, "submission": fields["submission"], "person": person["pk"],
                "hospital": int(fields["hospital"]), "discharged_on": fields["discharged_on"],
                "total": fields["total"], "in_catalog": fields["in_catalog"], "clerk": self.account["username"]}
        with open(PLAN["saved"], "a", encoding="utf-8") as saved:
            saved.write(json.dumps(line) + "\n")


class Official(Browser):
    """An official: the ledger page, the county's year exported as a background job (progress polled as the
    page does, every second), the file downloaded; the quarter's statistics."""

    role = "official"
    fixed_count = len(PLAN["accounts"]["official"])
    wait_time = between(60 * THINK, 120 * THINK)

    def round(self):
        """One export."""
        area, year = self.account["area"], PLAN["first_day"][:4]
        page = self.get("ledger page", "/ledger/", contains="ledger-export", area=area, period="year", year=year)
        think(2, 4)
        data = {"csrfmiddlewaretoken": self.token(page), "area": area, "period": "year", "year": year}
        with self.post("export start", "/ledger/exports/", data, referer="/ledger/") as response:
            started = EXPORT_PAGE.match(response.headers.get("Location", ""))
            if response.status_code != 302 or not started:
                response.failure(f"导出未开始（{status(response)}）")
                return
        export = started[1]
        self.get("export page", f"/ledger/exports/{export}/", contains="export-progress")
        for _ in range(300):
            gevent.sleep(1)  # the page's hx-trigger "every 1s"
            progress = self.get("export progress", f"/ledger/exports/{export}/progress/")
            if "export-download" in progress.text:
                break
            if "导出失败" in progress.text:
                progress.failure("导出失败")
                return
        else:
            raise AssertionError(f"导出 #{export} 300 秒内未完成")
        with self.over_https().get(f"/ledger/exports/{export}/download/", name="export download",
                                   catch_response=True) as download:
            if download.status_code != 200 or not download.content.startswith(b"PK"):
                download.failure(f"下载失败（{status(download)}）")
        think(2, 4)
        self.get("statistics page", "/ledger/stats/", area=area, quarter=f"{year}Q{random.randint(1, 4)}")


class Administrator(Browser):
    """The administrator: each township's civil-affairs roster of the month uploaded, previewed and applied in
    the browser (small lists are compared and applied while the page waits), one after another."""

    role = "admin"
    fixed_count = len(PLAN["accounts"]["admin"])
    wait_time = between(20 * THINK, 40 * THINK)

    def round(self):
        """One roster, while there are any left."""
        roster = next(_rosters, None)
        if roster is None:
            self.get("roster list", "/rosters/")
            return
        form = self.get("roster upload page", "/rosters/upload/", contains='name="file"')
        data = {"csrfmiddlewaretoken": self.token(form), "source": roster["source"], "month": roster["month"],
                "area": roster["area"], "category": ""}
        content = Path(roster["path"]).read_bytes()
        files = {"file": (Path(roster["path"]).name, content, "text/csv")}
        with self.post("roster upload", "/rosters/upload/", data, files=files, referer="/rosters/upload/") as response:
            uploaded = BATCH_PAGE.match(response.headers.get("Location", ""))
            if response.status_code != 302 or not uploaded:
                response.failure(f"名单未上传（{status(response)}）")
                return
        batch = uploaded[1]
        page = self.get("roster batch", f"/rosters/{batch}/", contains="<dd>待确认</dd>")
        think(3, 6)
        with self.post("roster apply", f"/rosters/{batch}/apply/", {"csrfmiddlewaretoken": self.token(page)},
                       referer=f"/rosters/{batch}/") as response:
            if response.status_code != 302:
                response.failure(f"名单未应用（{status(response)}）")
                return
        self.get("roster batch", f"/rosters/{batch}/", contains="<dd>已应用</dd>")
