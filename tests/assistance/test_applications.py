"""The hardship fund's applications through every step of seed 004 附件6, each limit refusing with its message,
and the random committee: the same seed draws the same three, the draw is uniform over the pool, a declared
conflict repeats it (both recorded)."""

from __future__ import annotations

import datetime
import itertools
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AccessLog
from accounts.services import system_user
from assistance import applications as flow
from assistance import committee
from assistance.models import Expert, Fund, FundYear, Grant, HardshipApplication
from beneficiaries.services import beneficiary_set_status
from monitoring.models import Alert
from policies.services import policies_load_shipped

D = datetime.date
YEAR = 2017
S = HardshipApplication.Status
FIELDS = {"address": "红花村3组", "phone": "13800000000", "disease": "慢性肾脏病5期", "case": "major",
          "family": "夫妻二人，儿子在外务工", "bank_account": "6230 0000 1111 2222", "bank_name": "重庆农村商业银行",
          "account_holder": "田小红", "reason": "透析费用过重，基本生活陷入困境"}


@pytest.fixture
def hardship(db, county):
    fund = Fund.objects.create(code="hardship", name="卫生医疗困难救助基金", kind=Fund.Kind.GRANTS, region=county,
                               grants_per_year=2, amount_per_year=Decimal("20000"), chronic_cap=Decimal("5000"),
                               major_cap=Decimal("10000"))
    FundYear.objects.create(fund=fund, year=YEAR, budget=Decimal("10000000"))
    for i in range(8):
        Expert.objects.create(region=county, name=f"专家{i}", unit="县人民医院", specialty="内科")
    return fund


@pytest.fixture
def poor(db, make_person, village_a, covered, settle, clerk_a):
    policies_load_shipped(user=system_user())
    person = covered(make_person(village_a, name="田小红"), YEAR, ["poor"])
    settle(clerk_a, person, day=D(YEAR, 8, 3), total="100000", in_catalog="60000", level="city")
    return person


def submit(user, person, fund, **extra):
    return flow.application_submit(user=user, person=person, fund=fund, year=YEAR, submitted_on=D(YEAR, 9, 1),
                                   **{**FIELDS, **extra})


def to_review(application, clerk, admin, amount="10000"):
    flow.application_check(user=clerk, application=application, passed=True, opinion="情况属实")
    flow.application_publicise(user=clerk, application=application, amount=Decimal(amount), opinion="建议救助",
                               publicity_from=D(YEAR, 9, 10), publicity_to=D(YEAR, 9, 16))
    return flow.committee_draw(user=admin, application=application, today=D(YEAR, 9, 20), seed="abc")


def refused(call) -> str:
    with pytest.raises(ValidationError) as info:
        call()
    return " ".join(info.value.messages)


def test_an_application_walks_every_step_to_payment(poor, hardship, clerk_a, county_admin):
    burden = Alert.objects.get(beneficiary=poor).burden
    application = submit(clerk_a, poor, hardship)
    assert application.status == S.SUBMITTED
    flow.application_check(user=clerk_a, application=application, passed=True, opinion="情况属实")
    flow.application_publicise(user=clerk_a, application=application, amount=Decimal("10000"), opinion="建议救助",
                               publicity_from=D(YEAR, 9, 10), publicity_to=D(YEAR, 9, 16))
    # the committee meets after the publicity, not during it
    assert "公示结束后才能评审" in refused(lambda: flow.committee_draw(
        user=county_admin, application=application, today=D(YEAR, 9, 16)))
    draw = flow.committee_draw(user=county_admin, application=application, today=D(YEAR, 9, 17), seed="2017-09")
    assert draw.drawn == committee.draw(draw.pool, "2017-09") and len(set(draw.drawn)) == 3
    flow.application_decide(user=county_admin, application=application, approved=True, amount=Decimal("9500"),
                            opinion="同意救助", members="民政局李某、社保局王某、财政局张某",
                            decided_on=D(YEAR, 9, 25))
    application.refresh_from_db()
    assert application.status == S.APPROVED and application.grant.amount == Decimal("9500.00")
    assert application.grant.status == Grant.Status.DECIDED
    flow.application_pay(user=county_admin, application=application, paid_on=D(YEAR, 9, 30))
    application.refresh_from_db()
    assert application.status == S.PAID and application.grant.status == Grant.Status.PAID
    assert Alert.objects.get(beneficiary=poor).burden == burden - Decimal("9500.00")
    assert [s.status_after for s in application.steps.all()] == [
        S.SUBMITTED, S.CHECKED, S.PUBLICISED, S.REVIEWING, S.APPROVED, S.PAID]
    assert {s.by for s in application.steps.all()} == {clerk_a, county_admin}


def test_a_third_application_in_a_year_is_refused_and_a_withdrawn_one_does_not_count(poor, hardship, clerk_a):
    first = submit(clerk_a, poor, hardship)
    submit(clerk_a, poor, hardship)
    message = refused(lambda: submit(clerk_a, poor, hardship))
    assert "每人每年申报不得超过 2 次" in message and "已申报 2 次" in message
    flow.application_withdraw(user=clerk_a, application=first, reason="申请人撤回")
    submit(clerk_a, poor, hardship)


def test_the_amount_limits_hold_at_publicity_and_decision(poor, hardship, clerk_a, county_admin):
    application = submit(clerk_a, poor, hardship, case="chronic")
    flow.application_check(user=clerk_a, application=application, passed=True, opinion="属实")
    assert "每次救助不超过 ¥5,000.00" in refused(lambda: flow.application_publicise(
        user=clerk_a, application=application, amount=Decimal("6000"), opinion="x",
        publicity_from=D(YEAR, 9, 10), publicity_to=D(YEAR, 9, 16)))
    flow.application_publicise(user=clerk_a, application=application, amount=Decimal("5000"), opinion="x",
                               publicity_from=D(YEAR, 9, 10), publicity_to=D(YEAR, 9, 16))
    flow.committee_draw(user=county_admin, application=application, today=D(YEAR, 9, 17))
    assert "每次救助不超过 ¥5,000.00" in refused(lambda: flow.application_decide(
        user=county_admin, application=application, approved=True, amount=Decimal("5000.01"), opinion="同意",
        members="民政、社保、财政", decided_on=D(YEAR, 9, 25)))
    assert HardshipApplication.objects.get(pk=application.pk).status == S.REVIEWING  # nothing half-written


def test_never_more_than_the_fund_has_left(poor, hardship, clerk_a, county_admin):
    FundYear.objects.filter(fund=hardship).update(budget=Decimal("3000"))
    application = submit(clerk_a, poor, hardship)
    to_review(application, clerk_a, county_admin)
    assert "剩余总额 ¥3,000.00" in refused(lambda: flow.application_decide(
        user=county_admin, application=application, approved=True, amount=Decimal("3000.01"), opinion="同意",
        members="民政、社保、财政", decided_on=D(YEAR, 9, 25)))


def test_a_person_who_died_cannot_apply(poor, hardship, clerk_a):
    beneficiary_set_status(user=clerk_a, person=poor, status="deceased", day=D(YEAR, 8, 20))
    assert "已于 2017-08-20 死亡，不能申请救助" in refused(lambda: submit(clerk_a, poor, hardship))


def test_of_two_officials_deciding_at_once_one_wins_and_the_other_is_told(poor, hardship, clerk_a, county_admin,
                                                                          admin_a):
    application = submit(clerk_a, poor, hardship)
    to_review(application, clerk_a, county_admin)
    stale = HardshipApplication.objects.get(pk=application.pk)  # what the second official's page showed
    flow.application_decide(user=county_admin, application=application, approved=False, amount=None,
                            opinion="家庭经济状况尚可", members="民政、社保、财政", decided_on=D(YEAR, 9, 25))
    message = refused(lambda: flow.application_decide(
        user=county_admin, application=stale, approved=True, amount=Decimal("1000"), opinion="同意",
        members="民政、社保、财政", decided_on=D(YEAR, 9, 25)))
    assert "当前为“未通过”" in message and "不能评审核定" in message
    assert not Grant.objects.exists()


def test_a_clerk_cannot_decide_and_another_township_cannot_see(poor, hardship, clerk_a, clerk_b, county_admin):
    application = submit(clerk_a, poor, hardship)
    to_review(application, clerk_a, county_admin)
    assert "不能评审核定" in refused(lambda: flow.application_decide(
        user=clerk_a, application=application, approved=True, amount=Decimal("1000"), opinion="同意",
        members="x", decided_on=D(YEAR, 9, 25)))
    assert "不在您的管辖区域内" in refused(lambda: submit(clerk_b, poor, hardship))


# --- the committee ------------------------------------------------------------------------------------------------


def test_the_same_seed_draws_the_same_committee():
    pool = [4, 9, 1, 7, 12, 30, 2]
    assert committee.draw(pool, "seed-1") == committee.draw(list(reversed(pool)), "seed-1")
    assert len({tuple(committee.draw(pool, f"s{i}")) for i in range(50)}) > 10
    with pytest.raises(committee.PoolTooSmall):
        committee.draw([1, 2], "x")


def test_the_draw_is_uniform_over_the_pool():
    """Each of 10 experts should sit on 3/10 of the committees: a chi-square test over 5,000 seeds (9 degrees of
    freedom; 27.88 is the 0.001 critical value), and every 3-set appears (120 of them)."""
    pool, runs = list(range(1, 11)), 5000
    seats = Counter(itertools.chain.from_iterable(committee.draw(pool, f"seed-{i}") for i in range(runs)))
    expected = runs * 3 / len(pool)
    chi_square = sum((seats[e] - expected) ** 2 / expected for e in pool)
    assert chi_square < 27.88, seats
    sets = Counter(frozenset(committee.draw(pool, f"set-{i}")) for i in range(runs))
    assert len(sets) == 120


def test_a_declared_conflict_excludes_the_expert_and_repeats_the_draw(poor, hardship, clerk_a, county_admin):
    application = submit(clerk_a, poor, hardship)
    first = to_review(application, clerk_a, county_admin)
    relative = Expert.objects.get(pk=first.drawn[0])
    second = flow.committee_conflict(user=county_admin, application=application, expert=relative,
                                     reason="申请人亲属")
    first.refresh_from_db()
    assert first.replaced and not second.replaced
    assert relative.pk not in second.pool and relative.pk not in second.drawn
    assert second.excluded == [{"expert": relative.pk, "reason": "申请人亲属"}]
    assert second.drawn == committee.draw(second.pool, second.seed)
    assert "回避" in application.steps.last().note
    assert "不在本次抽中的专家中" in refused(lambda: flow.committee_conflict(
        user=county_admin, application=application, expert=relative, reason="x"))


# --- in the browser ------------------------------------------------------------------------------------------------


def test_documents_are_checked_kept_and_served_to_who_may_see_them(client, poor, hardship, clerk_a, clerk_b,
                                                                  settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    application = submit(clerk_a, poor, hardship)
    page = reverse("assistance:application_detail", args=[application.pk])
    client.force_login(clerk_a)
    bad = client.post(page, {"action": "document", "document-kind": "id_card",
                             "document-file": SimpleUploadedFile("x.exe", b"MZ\x90\x00")})
    assert "不是 PDF、JPEG 或 PNG 文件" in bad.content.decode()
    client.post(page, {"action": "document", "document-kind": "diagnosis",
                       "document-file": SimpleUploadedFile("诊断证明.pdf", b"%PDF-1.4 test")})
    document = application.documents.get()
    url = reverse("assistance:application_document", args=[application.pk, document.pk])
    response = client.get(url)
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert AccessLog.objects.filter(user=clerk_a, detail__contains="诊断证明").exists()
    client.force_login(clerk_b)
    assert client.get(url).status_code == 404


def test_the_approval_form_prints_every_opinion_and_signature_line(client, poor, hardship, clerk_a, county_admin):
    application = submit(clerk_a, poor, hardship)
    to_review(application, clerk_a, county_admin)
    flow.application_decide(user=county_admin, application=application, approved=True, amount=Decimal("8000"),
                            opinion="同意救助", members="民政局李某、社保局王某、财政局张某", decided_on=D(YEAR, 9, 25))
    client.force_login(clerk_a)
    html = client.get(reverse("assistance:application_print", args=[application.pk])).content.decode()
    for line in ("申请人姓名", "身份证或有效证明号码", "家庭成员情况", "银行账号", "开户银行名称", "开户人姓名",
                 "申请救助理由", "申请人签名", "帮扶责任人签字", "村卫生室医生签字", "村（居）委会意见",
                 "驻村工作队意见", "乡镇卫生院（社区卫生服务中心）意见", "乡镇人民政府（街道办事处）意见",
                 "评审委员会意见", "评审人签字", "¥8,000.00", "¥10,000.00", "情况属实", "民政局李某"):
        assert line in html, line
    publicity = client.get(reverse("assistance:publicity_list"), {"on": "2017-09-12"}).content.decode()
    assert "田小红" in publicity and "¥10,000.00" in publicity
    assert "田小红" not in client.get(reverse("assistance:publicity_list"), {"on": "2017-09-20"}).content.decode()


def test_the_steps_through_the_page(client, poor, hardship, clerk_a, county_admin):
    client.force_login(clerk_a)
    response = client.post(reverse("assistance:application_create", args=[poor.pk]), {
        "fund": hardship.pk, "year": YEAR, "submitted_on": "2017-09-01", **FIELDS})
    application = HardshipApplication.objects.get()
    page = reverse("assistance:application_detail", args=[application.pk])
    assert response.url == page
    client.post(page, {"action": "check", "check-passed": "1", "check-opinion": "属实"})
    client.post(page, {"action": "publicise", "publicise-amount": "6000", "publicise-opinion": "建议",
                       "publicise-publicity_from": "2017-09-10", "publicise-publicity_to": "2017-09-16"})
    assert client.post(page, {"action": "draw"}).status_code == 403  # a clerk does not convene the committee
    client.force_login(county_admin)
    client.post(page, {"action": "draw"})
    client.post(page, {"action": "decide", "decide-approved": "1", "decide-amount": "6000",
                       "decide-members": "民政、社保、财政", "decide-opinion": "同意", "decide-decided_on": "2026-01-05"})
    client.post(page, {"action": "pay", "pay-paid_on": "2026-01-06"})
    application.refresh_from_db()
    assert application.status == S.PAID and application.grant.amount == Decimal("6000.00")


def test_an_applications_grant_is_paid_only_through_the_application(poor, hardship, clerk_a, county_admin):
    from assistance.services import grant_pay, grant_void

    application = submit(clerk_a, poor, hardship)
    to_review(application, clerk_a, county_admin)
    flow.application_decide(user=county_admin, application=application, approved=True, amount=Decimal("8000"),
                            opinion="同意", members="民政、社保、财政", decided_on=D(YEAR, 9, 25))
    grant = HardshipApplication.objects.get(pk=application.pk).grant
    assert "请在申请页面办理" in refused(lambda: grant_pay(user=county_admin, grant=grant, paid_on=D(YEAR, 9, 30)))
    assert "请在申请页面办理" in refused(lambda: grant_void(user=county_admin, grant=grant, reason="x"))
    flow.application_pay(user=county_admin, application=application, paid_on=D(YEAR, 9, 30))
    assert Grant.objects.get(pk=grant.pk).status == Grant.Status.PAID


def test_an_approval_found_wrong_is_cancelled_with_its_grant(poor, hardship, clerk_a, county_admin):
    application = submit(clerk_a, poor, hardship)
    to_review(application, clerk_a, county_admin)
    flow.application_decide(user=county_admin, application=application, approved=True, amount=Decimal("8000"),
                            opinion="同意", members="民政、社保、财政", decided_on=D(YEAR, 9, 25))
    flow.application_pay(user=county_admin, application=application, paid_on=D(YEAR, 9, 30))
    burden = Alert.objects.get(beneficiary=poor).burden
    flow.application_cancel(user=county_admin, application=application, reason="家庭收入核实有误")
    application.refresh_from_db()
    assert application.status == S.CANCELLED and application.grant.status == Grant.Status.VOIDED
    assert "核实有误" in application.grant.void_reason
    assert Alert.objects.get(beneficiary=poor).burden == burden + Decimal("8000.00")
    assert "不能撤销核准" in refused(lambda: flow.application_cancel(user=clerk_a, application=application, reason="x"))


def test_an_official_sees_the_application_masked_and_not_its_scans(client, poor, hardship, clerk_a, viewer, settings,
                                                                   tmp_path):
    settings.MEDIA_ROOT = tmp_path
    application = submit(clerk_a, poor, hardship)
    document = flow.document_add(user=clerk_a, application=application, kind="id_card",
                                 upload=SimpleUploadedFile("身份证.png", b"\x89PNG\r\n"))
    client.force_login(viewer)
    page = client.get(reverse("assistance:application_detail", args=[application.pk])).content.decode()
    assert "6230 0000 1111 2222" not in page and "13800000000" not in page and "138****0000" in page
    url = reverse("assistance:application_document", args=[application.pk, document.pk])
    assert client.get(url).status_code == 403
