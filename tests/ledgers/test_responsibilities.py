"""附件2 医疗保障扶贫责任分工表: edited per area by its administrators and clerks, with history, exported as in the seed."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AccessLog
from ledgers.models import Duty, Responsibility
from ledgers.selectors import responsibility_history
from ledgers.services import NOT_EDITOR, responsibilities_save

OVERALL = {"name": "冉建国", "unit": "酉阳县医疗保障局", "post": "局长", "phone": "023-75551234"}


def form_data(lines: dict[str, dict]) -> dict:
    return {f"{duty}-{field}": value for duty, values in lines.items() for field, value in values.items()}


def test_a_clerk_fills_in_the_table_of_the_township(client, clerk_a, township_a):
    client.force_login(clerk_a)
    url = reverse("responsibilities") + f"?area={township_a.code}"
    page = client.get(url).content.decode()
    assert all(label in page for label in Duty.labels)
    response = client.post(url, form_data({"overall": OVERALL, "ledger": {"name": "张会计", "phone": "13800000000"}}))
    assert response.status_code == 302
    overall = Responsibility.objects.get(area=township_a, duty="overall")
    assert (overall.name, overall.post, overall.updated_by) == ("冉建国", "局长", clerk_a)
    assert Responsibility.objects.filter(area=township_a).count() == 2


def test_saving_again_without_changes_writes_no_history(clerk_a, township_a):
    responsibilities_save(user=clerk_a, area=township_a, lines={"overall": OVERALL})
    responsibilities_save(user=clerk_a, area=township_a, lines={"overall": OVERALL})
    responsibilities_save(user=clerk_a, area=township_a, lines={"overall": OVERALL | {"post": "副局长"}})
    history = responsibility_history(township_a)
    assert len(history) == 2
    assert history[0].changes == [("职务", "局长", "副局长")] and history[0].who == str(clerk_a)
    assert history[0].duty == "总负责人"


def test_the_history_is_shown_on_the_page(client, clerk_a, township_a):
    responsibilities_save(user=clerk_a, area=township_a, lines={"overall": OVERALL})
    client.force_login(clerk_a)
    page = client.get(reverse("responsibilities"), {"area": township_a.code}).content.decode()
    assert "变更记录" in page and "（空） → 冉建国" in page


def test_viewers_and_other_townships_cannot_edit(client, viewer, clerk_b, township_a):
    with pytest.raises(ValidationError) as caught:
        responsibilities_save(user=viewer, area=township_a, lines={"overall": OVERALL})
    assert caught.value.messages == [NOT_EDITOR]
    with pytest.raises(ValidationError):
        responsibilities_save(user=clerk_b, area=township_a, lines={"overall": OVERALL})
    client.force_login(viewer)
    url = reverse("responsibilities") + f"?area={township_a.code}"
    assert 'name="overall-name"' not in client.get(url).content.decode()
    assert client.post(url, form_data({"overall": OVERALL})).status_code == 404
    client.force_login(clerk_b)
    page = client.get(url).content.decode()  # township A is not among clerk B's areas
    assert 'name="overall-name"' not in page and "龙潭镇" not in page
    assert client.post(url, form_data({"overall": OVERALL})).status_code == 200
    assert not Responsibility.objects.exists()


def test_the_export_keeps_the_seeds_layout(client, county_admin, county, clerk_a):
    responsibilities_save(user=county_admin, area=county, lines={"overall": OVERALL, "statistics": {"name": "=1+1"}})
    client.force_login(county_admin)
    response = client.get(reverse("responsibilities_export"), {"area": county.code})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "附件2" and sheet["A2"].value == "医疗保障扶贫责任分工表"
    assert sheet["A3"].value.startswith("填报单位（盖章）：") and sheet["D3"].value.startswith("填报时间：")
    assert [c.value for c in sheet[4]] == ["责任分工", "姓名", "单位及部门", "职务", "联系电话"]
    assert [sheet.cell(row, 1).value for row in range(5, 19)] == Duty.labels
    assert [c.value for c in sheet[5]] == ["总负责人", "冉建国", "酉阳县医疗保障局", "局长", "023-75551234"]
    assert sheet["B18"].value == "=1+1" and sheet["B18"].data_type == "s"
    assert sheet["A19"].value.startswith("说明：1.")
    assert "A2:E2" in {str(r) for r in sheet.merged_cells.ranges}
    assert AccessLog.objects.get(action=AccessLog.Action.EXPORT).detail.startswith("责任分工表导出")
    client.force_login(clerk_a)
    assert client.get(reverse("responsibilities_export"), {"area": county.code}).status_code == 404
