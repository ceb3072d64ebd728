"""Hostile and careless files through every importing command and every upload page.

Each command runs in a child process limited to 1 GiB of address space, as a county server would
run it, against the test database: each must answer with its message (exit status 2) and write
nothing. The upload pages answer with the same message and keep nothing either.
"""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from beneficiaries.models import Beneficiary, CategoryHolding, Enrollment
from claims.models import Claim, Hospital
from policies.models import Policy, PolicyVersion
from regions.models import Region
from rosters.models import RosterBatch
from tests import hostile_files as hostile
from tests.hostile_files import EVERY_HEADER, PAGE_MESSAGES, SPREADSHEETS
from tests.conftest import make_id_number

ROOT = Path(__file__).resolve().parent.parent
ADDRESS_SPACE = 1 << 30
DRIVER = r"""
import io, json, sys
import django
django.setup()
from django.core.management import call_command
from django.core.management.base import CommandError
results = []
for args in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        results.append({"args": args, "status": 0, "message": err.getvalue()})
    except CommandError as exc:
        results.append({"args": args, "status": exc.returncode, "message": str(exc)})
print(json.dumps(results, ensure_ascii=False))
"""


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return f"postgres://{settings['USER']}{password}@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}"


def _limit_address_space():
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_limited(commands: list[list[str]]) -> list[dict]:
    """Run management commands in one child process under the address-space limit; their outcomes."""
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "config.settings"}
    finished = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(commands)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, preexec_fn=_limit_address_space,
    )
    assert finished.returncode == 0, f"the child process died ({finished.returncode}): {finished.stderr[-2000:]}"
    return json.loads(finished.stdout.splitlines()[-1])


def importing_commands(path: Path) -> list[list[str]]:
    file = str(path)
    return [
        ["reconcile", file, "--source=civil_affairs", "--month=2024-05", "--apply"],
        ["import_claims", file, "--apply"],
        ["import_enrollment", file, "--year=2024", "--apply"],
        ["import_regions", file],
    ]


def written() -> dict[str, int]:
    models = [Beneficiary, CategoryHolding, Enrollment, Claim, Hospital, RosterBatch, Region, Policy, PolicyVersion]
    return {model.__name__: model.objects.count() for model in models}




@pytest.fixture
def registry(village_a, make_person, category):
    """A person holding a civil-affairs category, so that a list ending cover would end something."""
    person = make_person(village_a, name="田小红")
    CategoryHolding.objects.create(beneficiary=person, category=category("dibao_rural"), source="civil_affairs",
                                   start="2023-01-01")
    return person


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_importing_command_refuses_every_hostile_file_within_1_gib_and_writes_nothing(
    tmp_path, registry, village_a
):
    # One child process for them all: each command is the same as on its own, the database is set up once.
    commands, expected = [], []
    for name, make, message in SPREADSHEETS:
        path = tmp_path / name
        path.write_bytes(make())
        for command in importing_commands(path):
            commands.append(command)
            expected.append((command[0], name, 2, message))
    # ID numbers and region codes in other scripts' digits
    number = make_id_number()
    arabic, devanagari = number.translate(hostile.ARABIC_INDIC), number.translate(hostile.DEVANAGARI)
    digits = tmp_path / "other-digits.xlsx"
    digits.write_bytes(hostile.workbook([EVERY_HEADER] + [
        [text, "田小红", "农村低保", village_a.code, "住院", "县医院", "1000", "800", "城乡居民基本医疗保险", "已参保", "某村"]
        for text in (arabic, devanagari)
    ]))
    codes = tmp_path / "other-digit-codes.xlsx"
    codes.write_bytes(hostile.workbook([["区划代码", "名称"], ["500242100202".translate(hostile.ARABIC_INDIC), "某村"]]))
    for command, message in zip(
        importing_commands(digits)[:3] + [["import_regions", str(codes)]],
        ["名单中没有一行可用（身份证号无效 2 行", "含有 0–9 和 X 以外的字符", "名单中没有您管辖区域内登记的人员",
         "应为 6 位（县级及以上）、9 位（乡镇）或 12 位（村）数字"],
        strict=True,
    ):
        commands.append(command)
        expected.append((command[0], Path(command[1]).name, 2, message))
    # JSON nested far deeper than any policy or bill file
    nested, deep = tmp_path / "nested.json", tmp_path / "deep.json"
    nested.write_bytes(hostile.nested_json())
    deep.write_text("[" * 100 + "]" * 100)
    policy, claims = (str(ROOT / "tests" / "data" / "vectors" / f"public-examples.{kind}.json") for kind in ("policy", "claims"))
    for command, file in [
        (["load_policy", str(nested)], nested),
        (["load_policy", str(deep)], deep),
        (["reimburse", policy, str(nested)], nested),
        (["reimburse", str(nested), claims], nested),
    ]:
        commands.append(command)
        expected.append((command[0], file.name, 2, "的 JSON 嵌套超过 64 层（上限）"))
    before = written()

    results = run_limited(commands)

    outcomes = [
        (command, name, result["status"], message if message in result["message"] else result["message"])
        for (command, name, _status, message), result in zip(expected, results, strict=True)
    ]
    assert outcomes == expected
    assert written() == before
    assert not Beneficiary.objects.filter(id_number__in=[arabic, devanagari]).exists()


# --- the upload pages ----------------------------------------------------------------------



@pytest.mark.parametrize(("name", "make", "message"), SPREADSHEETS, ids=[name for name, *_ in SPREADSHEETS])
def test_the_claims_import_page_refuses_the_file_and_keeps_nothing(client, clerk_a, registry, name, make, message):
    client.force_login(clerk_a)
    before = written()
    response = client.post(reverse("claim_import"), {"file": _upload(name, make())})
    assert response.status_code == 200 and PAGE_MESSAGES.get(name, message) in response.content.decode()
    assert written() == before and "claim_import_upload" not in client.session


@pytest.mark.parametrize(("name", "make", "message"), SPREADSHEETS, ids=[name for name, *_ in SPREADSHEETS])
def test_the_roster_page_refuses_the_file_before_a_batch_exists(client, county_admin, registry, media, name, make, message):
    client.force_login(county_admin)
    before = written()
    response = client.post(
        reverse("rosters:batch_upload"),
        {"source": "civil_affairs", "month": "2024-05", "file": _upload(name, make())},
    )
    page = response.content.decode()
    if name == "headers.xlsx":  # within the limits: its preview, not the upload, finds it has no rows
        batch = RosterBatch.objects.get()
        assert response.status_code == 302 and batch.status == RosterBatch.Status.FAILED and message in batch.error
        assert written() == {**before, "RosterBatch": 1}
    else:
        assert response.status_code == 200 and PAGE_MESSAGES.get(name, message) in page
        assert written() == before and not [path for path in Path(media).rglob("*") if path.is_file()]


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_an_upload_over_the_limit_is_answered_413_naming_the_limit(client, clerk_a, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    client.force_login(clerk_a)
    response = client.post(reverse("claim_import"), {"file": _upload("big.csv", b"x" * (2 * 1024 * 1024))})
    assert response.status_code == 413
    assert "上传的文件超过上限 1 KB（本次约 2 MB）" in response.content.decode()


def test_the_upload_handler_counts_the_file_itself_and_stops_at_the_limit(client, clerk_a, settings):
    # A body within the room the middleware leaves for form fields (as one sent without a length would
    # be) is counted by the upload handler as it arrives.
    settings.UPLOAD_MAX_BYTES = 1024
    client.force_login(clerk_a)
    response = client.post(reverse("claim_import"), {"file": _upload("big.csv", b"x" * 4096)})
    assert response.status_code == 400
    assert "上传的文件超过上限 1 KB" in response.content.decode()
    assert not Claim.objects.exists()


def test_a_command_refuses_a_file_over_the_limit_before_reading_it(db, tmp_path, settings):
    from django.core.management import CommandError, call_command

    settings.UPLOAD_MAX_BYTES = 1024
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 4096)
    with pytest.raises(CommandError) as info:
        call_command("import_claims", str(path), stderr=io.StringIO())
    assert info.value.returncode == 2 and "有 4 KB，超过上限 1 KB" in str(info.value)


def admin_import_urls() -> list[str]:
    from django.contrib import admin
    from import_export.admin import ImportMixin

    return [
        f"/admin/{model._meta.app_label}/{model._meta.model_name}/import/"
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ImportMixin)
    ]


@pytest.mark.parametrize(("name", "make", "message"), SPREADSHEETS, ids=[name for name, *_ in SPREADSHEETS])
def test_every_admin_import_refuses_the_file_and_keeps_nothing(client, county_admin, registry, name, make, message):
    client.force_login(county_admin)
    content = make()
    before = written()
    urls = admin_import_urls()
    assert len(urls) >= 5  # people, categories, hospitals, regions, category aliases
    for url in urls:
        response = client.post(url, {"format": "0", "resource": "0", "import_file": _upload(name, content)})
        page = response.content.decode()
        assert response.status_code == 200 and "confirm_form" not in response.context, url
        if name != "headers.xlsx":  # a header alone is "no data to import" in the library's words
            assert PAGE_MESSAGES.get(name, message) in page, url
    assert written() == before
