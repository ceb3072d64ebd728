import json

import pytest
from django.core.management import CommandError, call_command

from regions.codes import AreaCodeError, area_prefix, canonical
from regions.models import Region


@pytest.mark.parametrize(
    "code, prefix",
    [("50", "50"), ("500000", "50"), ("5002", "5002"), ("500200", "5002"), ("500242", "500242"),
     ("500242100", "500242100"), ("500242100000", "500242100"), ("500242100201", "500242100201"), ("", "")],
)
def test_area_prefixes_follow_the_commands_contract(code, prefix):
    assert area_prefix(code) == prefix


def test_a_malformed_area_code_is_refused():
    with pytest.raises(AreaCodeError):
        area_prefix("50024")
    with pytest.raises(AreaCodeError):
        canonical("5002421")


@pytest.mark.django_db
def test_the_countrys_county_codes_are_shipped_with_their_tree():
    youyang = Region.objects.get(code="500242")
    assert youyang.name == "酉阳土家族苗族自治县" and youyang.level == "county"
    assert youyang.parent_id == "500000"
    fuxin_county = Region.objects.get(code="210921")
    assert fuxin_county.parent_id == "210900" and fuxin_county.parent.parent_id == "210000"
    assert Region.objects.filter(level="county").count() > 2800


def _run(*args):
    from io import StringIO

    out = StringIO()
    call_command("import_regions", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_import_regions_creates_then_updates_without_duplicates(tmp_path):
    path = tmp_path / "villages.csv"
    path.write_text("酉阳县乡镇村名单\n区划代码,名称\n500242100000,龙潭镇\n500242100201,红花村\n500242100202,青龙村\n",
                    encoding="utf-8")
    assert _run(str(path)) == {"created": 3, "updated": 0}
    path.write_text("区划代码,名称\n500242100,龙潭镇\n500242100201,红花社区\n", encoding="utf-8")
    assert _run(str(path)) == {"created": 0, "updated": 1}
    village = Region.objects.get(code="500242100201")
    assert (village.name, village.level, village.parent_id) == ("红花社区", "village", "500242100")
    assert Region.objects.filter(code__startswith="500242100").count() == 3


@pytest.mark.django_db
def test_import_regions_refuses_a_code_whose_parent_is_missing_and_writes_nothing(tmp_path):
    path = tmp_path / "villages.csv"
    path.write_text("区划代码,名称\n500242100,龙潭镇\n500242109201,孤村\n", encoding="utf-8")
    with pytest.raises(CommandError) as info:
        _run(str(path))
    assert info.value.returncode == 2
    assert "第 3 行" in str(info.value) and "500242109" in str(info.value)
    assert not Region.objects.filter(code="500242100").exists()


@pytest.mark.django_db
def test_import_regions_reads_xlsx(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["区划代码", "名称"])
    sheet.append([500242100, "龙潭镇"])
    book.save(tmp_path / "t.xlsx")
    assert _run(str(tmp_path / "t.xlsx")) == {"created": 1, "updated": 0}


def test_an_administrator_adds_a_village_through_the_admin_import(client, county_admin, township_a):
    import io

    client.force_login(county_admin)
    upload = io.BytesIO("区划代码,名称\n500242100299,新建村\n".encode())
    upload.name = "村.csv"
    response = client.post("/admin/regions/region/import/", {"format": "0", "resource": "0", "import_file": upload})
    assert response.status_code == 200 and "confirm_form" in response.context
    client.post("/admin/regions/region/process_import/", response.context["confirm_form"].initial)
    village = Region.objects.get(code="500242100299")
    assert (village.name, village.level, village.parent_id) == ("新建村", "village", township_a.code)
