"""A roster never ends people's cover silently: a list ending more than a tenth of its source's open
holdings in the area is applied only with the number of holdings it ends typed back (browser and command)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from beneficiaries.models import CategoryHolding
from rosters.models import RosterBatch
from tests.rosters.conftest import registry_state, roster_rows, xlsx_bytes

pytestmark = pytest.mark.usefixtures("media", "immediate_tasks")


@pytest.fixture(autouse=True)
def county_default(settings):
    settings.ROSTER_EXIT_CONFIRM_SHARE = 0.10


@pytest.fixture
def twenty(make_person, village_a, hold):
    people = [make_person(village_a, name=f"低保{index}") for index in range(20)]
    for person in people:
        hold(person, "dibao_rural")
    return people


def listing(people, village) -> bytes:
    return xlsx_bytes(roster_rows(*[[person.name, person.id_number, "农村低保", village.code] for person in people]))


def reconcile(path, *options):
    out = io.StringIO()
    call_command(
        "reconcile", str(path), "--source=civil_affairs", "--month=2024-05", "--json", *options,
        stdout=out, stderr=io.StringIO(),
    )
    return json.loads(out.getvalue())


def test_a_list_ending_three_of_twenty_needs_the_number_typed_back(tmp_path, twenty, village_a):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(listing(twenty[:17], village_a))
    preview = reconcile(path)
    assert (preview["exited"], preview["ending_holdings"], preview["open_holdings"]) == (3, 3, 20)
    before = registry_state()
    for options in [(), ("--allow-exits=2",)]:
        with pytest.raises(CommandError) as info:
            reconcile(path, "--apply", *options)
        assert info.value.returncode == 2
        assert "本名单将结束 3 项类别认定（其中 3 人退出，其余为类别变更），占该来源在本区域在册认定（20 项）的 15%，超过 10%" in str(
            info.value
        )
        assert "--allow-exits 3" in str(info.value)
    assert registry_state() == before
    applied = reconcile(path, "--apply", "--allow-exits=3")
    assert applied["exited"] == 3 and applied["batch"]
    assert CategoryHolding.objects.filter(end__isnull=False).count() == 3


def test_a_list_changing_everyones_category_needs_confirmation_too(tmp_path, twenty, village_a):
    # read with the wrong category: nobody leaves, yet every 低保 holding would end
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx_bytes(roster_rows(*[[p.name, p.id_number, "特困供养", village_a.code] for p in twenty])))
    preview = reconcile(path)
    assert (preview["exited"], preview["changed"], preview["ending_holdings"]) == (0, 20, 20)
    with pytest.raises(CommandError) as info:
        reconcile(path, "--apply")
    assert "本名单将结束 20 项类别认定（其中 0 人退出，其余为类别变更）" in str(info.value)
    assert not CategoryHolding.objects.filter(end__isnull=False).exists()


def test_a_list_ending_few_applies_without_confirmation(tmp_path, twenty, village_a):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(listing(twenty[:19], village_a))
    assert reconcile(path, "--apply")["exited"] == 1


def test_another_townships_list_cannot_end_this_townships_cover(tmp_path, twenty, village_b, make_person, admin_a):
    # A township administrator given the neighbours' list: every row is outside the area, nobody of
    # the township is listed, so applying would end all twenty.
    path = tmp_path / "别乡名单.xlsx"
    path.write_bytes(listing([make_person(village_b, name="外乡")], village_b))
    before = registry_state()
    with pytest.raises(CommandError) as info:
        reconcile(path, "--apply", "--user=admin_a")
    assert info.value.returncode == 2 and "名单中没有一行可用（身份证号无效 0 行，不可用 1 行）" in str(info.value)
    assert registry_state() == before


def upload(client, content):
    data = {"source": "civil_affairs", "month": "2024-05", "area": "", "category": "", "file": io.BytesIO(content)}
    data["file"].name = "名单.xlsx"
    return client.post(reverse("rosters:batch_upload"), data)


def test_the_preview_page_warns_and_applies_only_with_the_number_confirmed(client, county_admin, twenty, village_a):
    client.force_login(county_admin)
    upload(client, listing(twenty[:10], village_a))
    batch = RosterBatch.objects.get()
    page = client.get(reverse("rosters:batch_detail", args=[batch.pk])).content.decode()
    assert "本名单将结束 10 项类别认定（其中 10 人退出，其余为类别变更），占该来源在本区域在册认定（20 项）的 50%" in page
    assert 'name="allow_exits"' in page and 'name="confirm_exits"' in page

    apply = reverse("rosters:batch_apply", args=[batch.pk])
    for posted in [{}, {"confirm_exits": "on", "allow_exits": "9"}, {"allow_exits": "10"}]:
        response = client.post(apply, posted, follow=True)
        batch.refresh_from_db()
        assert batch.status == RosterBatch.Status.PREVIEWED, posted
        assert "输入将结束的认定数 10" in response.content.decode()
    assert not CategoryHolding.objects.filter(end__isnull=False).exists()

    client.post(apply, {"confirm_exits": "on", "allow_exits": "10"})
    batch.refresh_from_db()
    assert batch.status == RosterBatch.Status.APPLIED
    assert CategoryHolding.objects.filter(end__isnull=False).count() == 10


def test_a_list_with_headers_only_fails_its_preview_with_the_reason_and_ends_nothing(client, county_admin, twenty):
    client.force_login(county_admin)
    response = upload(client, xlsx_bytes([["序号", "姓名", "身份证号", "人员类别", "行政区划代码"]]))
    batch = RosterBatch.objects.get()
    assert response.status_code == 302 and batch.status == RosterBatch.Status.FAILED
    assert "之下没有数据行" in batch.error
    assert not CategoryHolding.objects.filter(end__isnull=False).exists()
