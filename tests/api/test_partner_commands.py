"""The partner commands: the same services as the pages, the key printed once, exit 2 for what is refused."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from api.keys import key_digest
from api.models import Partner, Scope
from tests.api.test_partner_pages import stored_text


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_json(*args) -> dict:
    return json.loads(run(*args, "--json")[0])


def refused(*args) -> str:
    with pytest.raises(CommandError) as info:
        run(*args)
    assert info.value.returncode == 2
    return str(info.value)


CREATE = ["partner_save", "县民政局低保系统", "--kind=civil_affairs", "--area=500242100",
          "--scopes=people:read,rosters:write", "--rate-limit=30", "--contact=民政局信息科"]


def test_creating_prints_the_key_once_and_the_key_works(admin_a, person_a, api):
    # when
    result = run_json(*CREATE, "--user=admin_a")

    # then
    partner = Partner.objects.get(name="县民政局低保系统")
    assert {k: result[k] for k in ("created", "kind", "area", "scopes", "rate_limit", "contact", "key_prefix")} == {
        "created": True, "kind": "civil_affairs", "area": "500242100", "scopes": ["people:read", "rosters:write"],
        "rate_limit": 30, "contact": "民政局信息科", "key_prefix": partner.key_prefix}
    assert partner.created_by == admin_a and partner.key_digest == key_digest(result["key"])
    assert api(result["key"]).get(f"people/{person_a.id_number}/")[0] == 200
    assert result["key"].split("_", 2)[2] not in stored_text()


def test_without_json_the_key_alone_is_on_standard_output(admin_a):
    out, err = run(*CREATE, "--user=admin_a")
    partner = Partner.objects.get()
    assert out.strip().startswith(f"hfp_{partner.key_prefix}_") and len(out.split()) == 1
    assert key_digest(out.strip()) == partner.key_digest
    assert "只显示这一次" in err and out.strip() not in err


def test_a_change_issues_no_key_and_is_in_the_history(admin_a):
    run(*CREATE, "--user=admin_a")
    digest = Partner.objects.get().key_digest

    result = run_json("partner_save", "县民政局低保系统", "--scopes=people:read", "--rate-limit=90",
                      "--new-name=县民政局救助系统", "--user=admin_a")

    partner = Partner.objects.get()
    assert "key" not in result and result["created"] is False
    assert (partner.name, partner.scopes, partner.rate_limit, partner.key_digest) == (
        "县民政局救助系统", ["people:read"], 90, digest)
    record = partner.history.first()
    assert record.history_user == admin_a and record.scopes == ["people:read"]


@pytest.mark.parametrize(("args", "message"), [
    (["partner_save", "新系统", "--kind=health"], "须给出 --area、--scopes"),
    (["partner_save", "新系统", "--kind=health", "--area=500242100", "--scopes=people:read,everything"],
     "“everything”不是权限范围"),
    (["partner_save", "新系统", "--kind=health", "--area=5002421", "--scopes=people:read"], "区划代码"),
    (["partner_save", "新系统", "--kind=health", "--area=500242101", "--scopes=people:read"], "管辖区域之内"),
    (["partner_rotate_key", "没有这个系统"], "不存在或不在您的管辖区域内"),
    (["partner_revoke", "县民政局低保系统"], "请用 --reason 写明吊销原因"),
])
def test_bad_input_exits_2_and_writes_nothing(admin_a, township_b, args, message):
    run(*CREATE, "--user=admin_a")
    before = list(Partner.history.values_list("history_id", flat=True))
    assert message in refused(*args, "--user=admin_a")
    assert list(Partner.history.values_list("history_id", flat=True)) == before


def test_rotating_ends_the_old_key_and_prints_the_new_one(admin_a, person_a, api):
    old = run_json(*CREATE, "--user=admin_a")["key"]

    result = run_json("partner_rotate_key", "县民政局低保系统", "--user=admin_a")

    assert result["key"] != old and result["key_prefix"] == Partner.objects.get().key_prefix
    assert api(old).get(f"people/{person_a.id_number}/")[0] == 401
    assert api(result["key"]).get(f"people/{person_a.id_number}/")[0] == 200
    assert Partner.objects.get().history.first().history_change_reason == "轮换密钥"
    out, _ = run("partner_rotate_key", "县民政局低保系统", "--user=admin_a")
    assert api(out.strip()).get(f"people/{person_a.id_number}/")[0] == 200


def test_revoking_ends_the_key_with_its_reason_in_the_history(admin_a, person_a, api):
    key = run_json(*CREATE, "--user=admin_a")["key"]

    result = run_json("partner_revoke", "县民政局低保系统", "--reason=民政局系统升级，停用旧接口", "--user=admin_a")

    assert result["reason"] == "民政局系统升级，停用旧接口" and result["revoked_at"]
    assert api(key).get(f"people/{person_a.id_number}/")[0] == 401
    assert Partner.objects.get().history.first().history_change_reason == "吊销：民政局系统升级，停用旧接口"
    assert "已吊销" in refused("partner_rotate_key", "县民政局低保系统", "--user=admin_a")


def test_the_calls_are_listed_by_partner_and_time_within_the_area(admin_a, admin_b, make_partner, township_a,
                                                                  township_b, person_a, api):
    partner_a, key_a = make_partner(township_a, [Scope.READ_PEOPLE])
    partner_b, key_b = make_partner(township_b, [Scope.READ_PEOPLE])
    api(key_a).get(f"people/{person_a.id_number}/")
    api(key_a).get("alerts/")
    api(key_b).get(f"people/{person_a.id_number}/")

    mine = run_json("partner_calls", "--user=admin_a")
    assert mine["count"] == 2 and {call["partner"] for call in mine["calls"]} == {partner_a.name}
    assert [(call["status"], call["outcome"]) for call in mine["calls"]] == [(403, "refused"), (200, "ok")]
    everyone = run_json("partner_calls")  # the system account: no area limit
    assert everyone["count"] == 3
    assert run_json("partner_calls", partner_b.name)["calls"][0]["status"] == 404
    assert run_json("partner_calls", "--since=2999-01-01")["count"] == 0
    assert run_json("partner_calls", "--since=2000-01-01T08:00", "--limit=1")["count"] == 1
    _, text = run("partner_calls", partner_a.name, "--user=admin_a")
    assert "共 2 次调用" in text and "拒绝" in text and "成功" in text
    assert "不存在或不在您的管辖区域内" in refused("partner_calls", partner_a.name, "--user=admin_b")
    assert "--since" in refused("partner_calls", "--since=昨天")


def test_an_official_cannot_read_the_calls(viewer):
    assert "您的角色（查询）不能查看接口调用记录" in refused("partner_calls", "--user=viewer")
