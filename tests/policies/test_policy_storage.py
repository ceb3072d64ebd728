import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from policies.models import PolicyVersion
from policies.selectors import enrollment_block, policy_in_force

VECTOR = Path(__file__).resolve().parent.parent / "data" / "vectors" / "youyang-2017.policy.json"


def load(path, *extra):
    out = StringIO()
    call_command("load_policy", str(path), "--json", *extra, stdout=out)
    return json.loads(out.getvalue())


def test_a_policy_is_stored_once_and_a_changed_one_becomes_a_new_version(db, tmp_path):
    assert load(VECTOR) == {"code": "youyang-2017", "version": 1, "created": True}
    assert load(VECTOR) == {"code": "youyang-2017", "version": 1, "created": False}
    document = json.loads(VECTOR.read_text(encoding="utf-8"))
    document["layers"][0]["deductible"] = "200"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert load(changed, "--note", "起付线调整") == {"code": "youyang-2017", "version": 2, "created": True}
    assert [v.number for v in PolicyVersion.objects.order_by("number")] == [1, 2]
    out = StringIO()
    call_command("export_policy", "youyang-2017", "--version", "1", stdout=out)
    assert json.loads(out.getvalue())["layers"][0]["deductible"] == "300.00"
    out = StringIO()
    call_command("export_policy", "youyang-2017", stdout=out)
    assert json.loads(out.getvalue())["layers"][0]["deductible"] == "200.00"


def test_a_bad_policy_is_refused_naming_layer_and_field_and_nothing_is_stored(db, tmp_path):
    document = json.loads(VECTOR.read_text(encoding="utf-8"))
    document["layers"][1]["bands"][0]["ratio"] = "1.5"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(CommandError) as info:
        load(bad)
    assert info.value.returncode == 2
    assert '"critical"' in str(info.value) and "ratio" in str(info.value)
    assert not PolicyVersion.objects.exists()


def test_export_of_an_unknown_policy_exits_2(db):
    with pytest.raises(CommandError) as info:
        call_command("export_policy", "nowhere-2020", stdout=StringIO())
    assert info.value.returncode == 2


def test_a_county_policy_wins_over_its_provinces(db, county_admin):
    from accounts.services import system_user
    from policies.services import policies_load_shipped

    policies_load_shipped(user=system_user())
    assert policy_in_force("500242100201", 2017).code == "youyang-2017"
    assert policy_in_force("210921", 2019).code == "liaoning-2019"
    assert policy_in_force("500242", 2016) is None
    block = enrollment_block("500242", 2017)
    assert block["insurance"] == "resident_basic" and block["premium"]


def test_a_county_user_cannot_load_another_provinces_policy(db, county_admin, tmp_path):
    with pytest.raises(CommandError) as info:
        load(Path("policies/data/liaoning-2019.json"), "--user", county_admin.username)
    assert "不在您的管辖区域内" in str(info.value)


def test_the_calculator_page_shows_every_layer_with_its_explanation(client, clerk_a):
    load(VECTOR)
    client.force_login(clerk_a)
    version = PolicyVersion.objects.get()
    response = client.post(reverse("calculator"), {
        "version": version.pk, "date": "2017-08-03", "visit_type": "inpatient", "hospital_level": "county",
        "categories": ["poor"], "insurances": ["resident_basic"], "total": "60000", "in_catalog": "48000",
    }, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    for amount in ("¥33,495.00", "¥3,705.50", "¥6,479.70", "¥2,100.00", "¥4,950.00", "¥9,269.80", "¥4,319.80"):
        assert amount in page
    assert "(48,000.00−150.00)×70%" in page


def test_the_calculator_refuses_in_catalog_above_total(client, clerk_a):
    load(VECTOR)
    client.force_login(clerk_a)
    response = client.post(reverse("calculator"), {
        "version": PolicyVersion.objects.get().pk, "date": "2017-08-03", "visit_type": "inpatient",
        "hospital_level": "county", "total": "100", "in_catalog": "200",
    })
    assert "政策范围内费用不能超过总费用" in response.content.decode()


def _variant(tmp_path, name: str, **changes) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(json.loads(VECTOR.read_text(encoding="utf-8")) | changes, ensure_ascii=False))
    return path


def test_a_township_administrator_writes_policies_for_the_township_only(db, admin_a, township_a, tmp_path):
    with pytest.raises(CommandError) as info:
        load(VECTOR, "--user", admin_a.username)  # the county's policy
    assert "政策适用区域 500242 不在您的管辖区域内" in str(info.value)
    own = _variant(tmp_path, "own", code="longtan-2017", region_code=township_a.code)
    assert load(own, "--user", admin_a.username)["created"]


def test_a_policys_region_cannot_be_taken_over_by_loading_its_code(db, tmp_path):
    load(VECTOR)
    elsewhere = _variant(tmp_path, "elsewhere", region_code="210921")  # 阜新's code, the same policy code
    with pytest.raises(CommandError) as info:
        load(elsewhere)  # not even the system account
    assert info.value.returncode == 2
    assert "政策代码 youyang-2017 已用于区域 500242 的政策，不能改为区域 210921" in str(info.value)
    assert list(PolicyVersion.objects.values_list("policy__region_code", flat=True)) == ["500242"]


def test_only_administrators_write_policies(db, viewer, clerk_a):
    for user in (viewer, clerk_a):
        with pytest.raises(CommandError) as info:
            load(VECTOR, "--user", user.username)
        assert f"您的角色（{user.get_role_display()}）不能载入或修订报销政策" in str(info.value)
    assert not PolicyVersion.objects.exists()


@pytest.mark.parametrize("region", ["5002421", "٥٠٠٢٤٢"])
def test_a_region_code_that_is_no_area_is_refused_with_exit_2(db, tmp_path, region):
    with pytest.raises(CommandError) as info:
        load(_variant(tmp_path, "odd", code="odd-2017", region_code=region))
    assert info.value.returncode == 2
    assert not PolicyVersion.objects.exists()
