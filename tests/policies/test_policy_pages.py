"""The policy pages: the list scoped to the user's area, the comparison of two versions, and the editor that
saves a new version through the service, with the document's own messages at the fields."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.services import system_user
from policies.comparison import ADDED, CHANGED, REMOVED, SAME, compare_policies
from policies.document import NOT_RATIO, REQUIRED, parse_policy
from policies.editor import PolicyEditor
from policies.models import Policy, PolicyVersion
from policies.services import policies_load_shipped, policy_load

VECTOR = Path(__file__).resolve().parent.parent / "data" / "vectors" / "youyang-2017.policy.json"


def vector() -> dict:
    return json.loads(VECTOR.read_text(encoding="utf-8"))


def layer(document: dict, code: str) -> dict:
    return next(item for item in document["layers"] if item["code"] == code)


# --- The comparison -------------------------------------------------------------------------------


def test_the_comparison_names_what_was_added_removed_and_changed_field_by_field():
    # given: a version that raises basic insurance's ratio, changes its rule, drops one layer and adds one
    old = vector()
    new = copy.deepcopy(old)
    layer(new, "basic")["bands"] = [{"upto": None, "ratio": "0.65"}]
    layer(new, "basic")["rules"][0]["set"]["deductible"] = "100"
    new["layers"] = [item for item in new["layers"] if item["code"] != "civil_fund"]
    new["layers"].append({"code": "charity", "name": "慈善救助", "fund": "other", "base": "personal",
                          "bands": [{"upto": None, "ratio": "0.2"}]})
    new["name"] = "酉阳自治县健康扶贫（修订）"

    # when
    comparison = compare_policies(parse_policy(old), parse_policy(new))

    # then
    assert comparison.changed
    assert [(c.field, c.old, c.new) for c in comparison.policy] == [
        ("name", "酉阳自治县健康扶贫（示例）", "酉阳自治县健康扶贫（修订）")
    ]
    by_code = {item.code: item for item in comparison.layers}
    assert by_code["basic"].status == CHANGED
    assert [(r.label, r.old, r.new) for r in by_code["basic"].rows] == [
        ("报销比例（分段）", "60%", "65%"),
        ("第 1 条规则", "当 身份类别 建档立卡贫困人口；医疗机构 县级医疗机构：起付线 150.00 元；报销比例（分段） 70%",
         "当 身份类别 建档立卡贫困人口；医疗机构 县级医疗机构：起付线 100.00 元；报销比例（分段） 70%"),
    ]
    assert by_code["critical"].status == SAME and by_code["critical"].rows == ()
    assert by_code["charity"].status == ADDED
    assert ("报销比例（分段）", "", "20%") in [(r.label, r.old, r.new) for r in by_code["charity"].rows]
    assert by_code["civil_fund"].status == REMOVED
    assert ("计算基数上限（占总费用）", "30%", "") in [(r.label, r.old, r.new) for r in by_code["civil_fund"].rows]
    assert comparison.layers[-1].code == "civil_fund"  # removed layers come last


def test_the_same_document_compares_as_unchanged_and_a_new_order_is_a_change():
    old = vector()
    assert not compare_policies(parse_policy(old), parse_policy(old)).changed
    moved = copy.deepcopy(old)
    moved["layers"] = [moved["layers"][1], moved["layers"][0], *moved["layers"][2:]]
    comparison = compare_policies(parse_policy(old), parse_policy(moved))
    assert [c.label for c in comparison.policy] == ["层的顺序"]
    assert comparison.policy[0].new.startswith("城乡居民大病保险 → 城乡居民基本医保（住院）")


def test_bands_read_as_ranges():
    comparison = compare_policies(parse_policy(vector()), parse_policy(
        vector() | {"layers": [layer(vector(), "jzfp_insurance")]}))
    removed = {item.code: item for item in comparison.layers}["critical"]
    bands = dict((r.label, r.old) for r in removed.rows)["报销比例（分段）"]
    assert bands == "0.00–100000.00 元 40%；100000.00 元以上 50%"


# --- The pages ------------------------------------------------------------------------------------


@pytest.fixture
def shipped(db):
    policies_load_shipped(user=system_user())
    return {policy.code: policy for policy in Policy.objects.all()}


@pytest.fixture
def youyang(db):
    version, _ = policy_load(user=system_user(), document=vector())
    return version.policy


def test_the_list_shows_the_policies_of_the_area_and_above_it_only(client, shipped, clerk_a):
    client.force_login(clerk_a)
    response = client.get(reverse("policies:list"))
    assert response.status_code == 200
    assert [policy.code for policy, _, _ in response.context["rows"]] == ["youyang-2017"]
    text = response.content.decode()
    assert "酉阳" in text and "辽宁" not in text
    other = shipped["liaoning-2019"]
    assert client.get(reverse("policies:detail", args=[other.pk])).status_code == 404


def test_a_policy_page_lists_its_versions_with_who_and_why(client, youyang, county_admin):
    document = vector()
    layer(document, "basic")["deductible"] = "250"
    policy_load(user=county_admin, document=document, note="起付线调整")
    client.force_login(county_admin)
    response = client.get(reverse("policies:detail", args=[youyang.pk]))
    text = response.content.decode()
    assert "第 2 版" in text and "起付线调整" in text and "county_admin" in text
    compare = client.get(reverse("policies:compare", args=[youyang.pk]))
    assert compare.status_code == 200
    rows = {item.code: item for item in compare.context["comparison"].layers}["basic"].rows
    assert [(r.label, r.old, r.new) for r in rows] == [("起付线", "300.00 元", "250.00 元")]
    assert client.get(reverse("policies:compare", args=[youyang.pk]) + "?from=9").status_code == 400


def form_data(document: dict, **changes) -> dict:
    """What the browser posts for the editor drawn from ``document``, with ``changes`` (field name → value)."""
    editor = PolicyEditor(document, categories=[], insurances=[])
    data = {"base": json.dumps(document, ensure_ascii=False), "action": "save", "note": "测试修订"}
    for form in editor.all_forms():
        for field in form:
            value = field.value()
            if isinstance(value, bool):
                if value:
                    data[field.html_name] = "on"
            elif value not in (None, ""):
                data[field.html_name] = value
    data.update(changes)
    return data


def test_the_editor_saves_a_new_version_with_the_changed_ratio_and_everything_else_kept(
        client, youyang, county_admin):
    # given: the stored document, and the inpatient assistance layer (4th) set to 65% through its band form
    before = PolicyVersion.objects.get(policy=youyang).document
    client.force_login(county_admin)
    url = reverse("policies:edit", args=[youyang.pk])
    assert client.get(url).status_code == 200

    # when
    response = client.post(url, form_data(before, **{"layer-3-band-0-ratio": "0.65"}))

    # then: a second version, which differs from the first in that ratio alone, by the service's hand
    assert response.status_code == 302
    latest = PolicyVersion.objects.get(policy=youyang, number=2)
    assert latest.note == "测试修订" and latest.created_by == county_admin
    expected = copy.deepcopy(before)
    layer(expected, "assist_inpatient")["bands"] = [{"upto": None, "ratio": "0.65"}]
    assert latest.document == expected
    assert parse_policy(latest.document).layers[3].terms.bands[0].ratio == Decimal("0.65")
    assert response["Location"].endswith("?from=1&to=2")


def test_a_bad_value_is_shown_at_its_field_in_the_documents_words_and_nothing_is_saved(
        client, youyang, county_admin):
    before = PolicyVersion.objects.get(policy=youyang).document
    client.force_login(county_admin)
    response = client.post(reverse("policies:edit", args=[youyang.pk]), form_data(
        before, **{"layer-1-band-1-ratio": "1.5", "layer-0-name": ""}))
    assert response.status_code == 200
    editor = response.context["editor"]
    assert editor.layers[1].bands.forms[1].errors["ratio"] == [NOT_RATIO]
    assert editor.layers[0].form.errors["name"] == [REQUIRED]
    html = response.content.decode()
    assert 'id="id_layer-1-band-1-ratio_error"' in html and NOT_RATIO in html
    assert PolicyVersion.objects.filter(policy=youyang).count() == 1


def test_a_rule_and_a_new_layer_are_edited_through_their_forms(client, youyang, county_admin):
    before = PolicyVersion.objects.get(policy=youyang).document
    client.force_login(county_admin)
    response = client.post(reverse("policies:edit", args=[youyang.pk]), form_data(before, **{
        "layer-0-rule-0-set_deductible": "120",
        "layer-6-code": "charity", "layer-6-name": "慈善救助", "layer-6-fund": "other", "layer-6-base": "personal",
        "layer-6-band-0-ratio": "0.2", "layer-6-cap_per_year": "5000",
        "layer-5-delete": "on",
    }))
    assert response.status_code == 302, response.context["problems"]
    document = PolicyVersion.objects.get(policy=youyang, number=2).document
    assert layer(document, "basic")["rules"][0]["set"]["deductible"] == "120.00"
    assert layer(document, "charity")["cap_per_year"] == "5000.00"
    assert "civil_fund" not in [item["code"] for item in document["layers"]]


def test_check_shows_the_resulting_json_and_saves_nothing(client, youyang, county_admin):
    before = PolicyVersion.objects.get(policy=youyang).document
    client.force_login(county_admin)
    data = form_data(before, **{"layer-0-deductible": "280", "action": "check", "note": ""})
    response = client.post(reverse("policies:edit", args=[youyang.pk]), data)
    assert response.status_code == 200 and not response.context["problems"]
    assert layer(json.loads(response.context["document"]), "basic")["deductible"] == "280"
    assert PolicyVersion.objects.filter(policy=youyang).count() == 1


def test_the_expert_json_is_saved_as_typed_and_its_code_cannot_change(client, youyang, county_admin):
    document = vector()
    layer(document, "basic")["when"] = {"in_county": True}
    client.force_login(county_admin)
    url = reverse("policies:edit", args=[youyang.pk])
    base = json.dumps(PolicyVersion.objects.get(policy=youyang).document)
    renamed = client.post(url, {"action": "save_json", "base": base, "note": "改代码",
                                "document": json.dumps(document | {"code": "other-2017"})})
    assert "政策代码不能在这里修改" in renamed.content.decode()
    saved = client.post(url, {"action": "save_json", "base": base, "note": "县域内才报销",
                              "document": json.dumps(document)})
    assert saved.status_code == 302
    assert layer(PolicyVersion.objects.get(policy=youyang, number=2).document, "basic")["when"] == {
        "in_county": True}


def test_clerks_and_officials_read_policies_but_cannot_edit_them(client, youyang, clerk_a, viewer):
    for user in (clerk_a, viewer):
        client.force_login(user)
        assert client.get(reverse("policies:detail", args=[youyang.pk])).status_code == 200
        assert client.get(reverse("policies:edit", args=[youyang.pk])).status_code == 403
        before = PolicyVersion.objects.get(policy=youyang).document
        assert client.post(reverse("policies:edit", args=[youyang.pk]), form_data(before)).status_code == 403
        assert "修订（保存为新版本）" not in client.get(reverse("policies:detail", args=[youyang.pk])).content.decode()
    assert PolicyVersion.objects.filter(policy=youyang).count() == 1


def test_a_township_administrator_cannot_edit_the_countys_policy(client, youyang, admin_a):
    client.force_login(admin_a)
    response = client.get(reverse("policies:edit", args=[youyang.pk]))
    assert response.status_code == 403
    assert "不在您的管辖区域内" in response.content.decode()
