"""The browser flow for administrators: upload → preview → confirm → report; big files in the background."""

import io

import openpyxl
import pytest
from django.urls import reverse
from django_tasks.signals import task_enqueued

from accounts.models import AccessLog
from beneficiaries.models import CategoryHolding
from rosters import views
from rosters.models import RosterBatch
from tests.rosters.conftest import MAY, new_id_number, roster_rows, xlsx_bytes

pytestmark = pytest.mark.usefixtures("media", "immediate_tasks")


def upload(client, content, name="名单.xlsx", **fields):
    data = {
        "source": "civil_affairs",
        "month": "2024-05",
        "area": "",
        "category": "",
        **fields,
        "file": io.BytesIO(content),
    }
    data["file"].name = name
    return client.post(reverse("rosters:batch_upload"), data)


@pytest.fixture
def listed(registry, village_a):
    """A list where 甲 stays, 乙 changes to 特困, 丁 leaves, and 60 newcomers arrive."""
    people = [
        ["甲", registry["甲"].id_number, "农村低保", village_a.code],
        ["乙", registry["乙"].id_number, "特困供养", village_a.code],
    ]
    people += [[f"新人{index}", new_id_number(), "农村低保", village_a.code] for index in range(60)]
    return xlsx_bytes(roster_rows(*people))


def test_only_administrators_see_the_pages(client, clerk_a):
    assert client.get(reverse("rosters:batch_list")).status_code == 302  # to the login page
    client.force_login(clerk_a)
    assert client.get(reverse("rosters:batch_list")).status_code == 403
    assert client.get(reverse("rosters:batch_upload")).status_code == 403


def test_upload_preview_confirm_report_revert(client, county_admin, registry, listed):
    client.force_login(county_admin)
    # upload: a small file is compared while the page waits, and nothing is written
    response = upload(client, listed)
    batch = RosterBatch.objects.get()
    assert response.url == reverse("rosters:batch_detail", args=[batch.pk])
    assert batch.status == RosterBatch.Status.PREVIEWED
    assert (batch.counts["new"], batch.counts["changed"], batch.counts["exited"]) == (60, 1, 1)
    assert not CategoryHolding.objects.filter(start=MAY).exists()

    # preview: counts and a paginated list per outcome
    page = client.get(reverse("rosters:batch_detail", args=[batch.pk]))
    text = page.content.decode()
    assert "确认应用" in text and "新增（60）" in text and "第 1 / 2 页" in text
    second = client.get(
        reverse("rosters:batch_detail", args=[batch.pk]), {"outcome": "new", "page": 2}
    ).content.decode()
    assert "新人59" in second and "新人0<" not in second
    changed = client.get(
        reverse("rosters:batch_detail", args=[batch.pk]), {"outcome": "changed"}
    ).content.decode()
    assert "农村低保对象" in changed and "农村特困人员" in changed

    # confirm
    client.post(reverse("rosters:batch_apply", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.status, batch.applied_by) == (RosterBatch.Status.APPLIED, county_admin)
    assert CategoryHolding.objects.filter(start=MAY).count() == 61
    assert "撤销本批次" in client.get(reverse("rosters:batch_detail", args=[batch.pk])).content.decode()

    # a second confirm is refused
    response = client.post(reverse("rosters:batch_apply", args=[batch.pk]), follow=True)
    assert "不能应用" in response.content.decode()

    # report
    response = client.get(reverse("rosters:batch_report", args=[batch.pk]))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [row[0] for row in workbook["类别变更"].iter_rows(min_row=2, values_only=True)] == [5]
    assert AccessLog.objects.filter(user=county_admin, action=AccessLog.Action.EXPORT).exists()

    # revert
    response = client.post(reverse("rosters:batch_revert", args=[batch.pk]), follow=True)
    assert "已撤销" in response.content.decode()
    assert not CategoryHolding.objects.filter(start=MAY).exists()


def test_a_big_file_runs_as_a_background_job_with_a_progress_bar(
    client, county_admin, registry, listed, monkeypatch
):
    # given: every file counts as big, so it goes to the (immediate, in tests) task backend
    monkeypatch.setattr(views, "INLINE_LIMIT_BYTES", 0)
    enqueued = []

    def record(sender, task_result, **kwargs):
        enqueued.append((task_result.task.name, task_result.args))

    task_enqueued.connect(record)
    client.force_login(county_admin)
    # when
    try:
        upload(client, listed)
    finally:
        task_enqueued.disconnect(record)
    # then
    batch = RosterBatch.objects.get()
    assert enqueued == [("preview_roster_batch", [batch.pk])] and batch.status == RosterBatch.Status.PREVIEWED
    progress = client.get(reverse("rosters:batch_progress", args=[batch.pk]))
    assert progress["HX-Refresh"] == "true" and "<progress" in progress.content.decode()
    RosterBatch.objects.filter(pk=batch.pk).update(
        status=RosterBatch.Status.PREVIEWING, progress=50, stage="与系统中的人员比对"
    )
    running = client.get(reverse("rosters:batch_detail", args=[batch.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in running and "与系统中的人员比对" in running
    assert "HX-Refresh" not in client.get(reverse("rosters:batch_progress", args=[batch.pk]))


def test_a_refused_upload_says_why(client, admin_a, village_a):
    client.force_login(admin_a)
    response = upload(client, xlsx_bytes([["身份证号", "姓名", "类别", "村代码"]]), area="500242101")
    assert "不在您的管辖区域内" in response.content.decode() and not RosterBatch.objects.exists()
    response = upload(client, xlsx_bytes([["身份证号", "姓名", "村代码"]]))
    batch = RosterBatch.objects.get()
    assert batch.status == RosterBatch.Status.FAILED and "缺少必需的列" in batch.error
    assert "缺少必需的列" in client.get(response.url).content.decode()


def test_batches_of_another_area_are_not_found(client, county_admin, admin_a, registry, listed):
    client.force_login(county_admin)
    upload(client, listed)
    batch = RosterBatch.objects.get()
    client.force_login(admin_a)
    assert client.get(reverse("rosters:batch_detail", args=[batch.pk])).status_code == 404
    assert f"#{batch.pk}" not in client.get(reverse("rosters:batch_list")).content.decode()
