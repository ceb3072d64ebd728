"""The rules of each health record, through the services the window, the import and the commands share."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from beneficiaries.models import CategoryHolding
from beneficiaries.selectors import categories_on
from health import services
from health.models import Disease, DoctorContract, HealthCard, TreatmentCase, TwoDiseaseRecognition
from health.selectors import coverage, missing

D = datetime.date
TERMS = {"team": "龙潭镇卫生院第一团队", "doctor": "冉医生", "clinic": "龙潭镇卫生院", "package": "基础包"}


def sign(user, household, first, last, **extra):
    return services.contract_sign(user=user, household=household, signed_on=first, starts_on=first, ends_on=last,
                                  **(TERMS | extra))


def test_one_contract_in_force_per_household(clerk_a, village_a, poor_household):
    household = poor_household(village_a)
    first = sign(clerk_a, household, D(2026, 1, 1), D(2026, 12, 31))
    with pytest.raises(ValidationError, match="同一时间只能有一份有效签约"):
        sign(clerk_a, household, D(2026, 6, 1), D(2027, 5, 31), doctor="另一位医生")
    renewal = services.contract_renew(user=clerk_a, contract=first, signed_on=D(2026, 11, 20), ends_on=D(2027, 12, 31))
    assert (renewal.starts_on, renewal.renews, renewal.doctor) == (D(2027, 1, 1), first, "冉医生")
    with pytest.raises(ValidationError, match="已经续签过"):
        services.contract_renew(user=clerk_a, contract=first, signed_on=D(2026, 11, 21), ends_on=D(2027, 12, 31))
    # the renewal shares the first's doctor and clinic: a contract over the first's days is still refused
    with pytest.raises(ValidationError, match="2026-01-01 至 2026-12-31 已有签约"):
        sign(clerk_a, household, D(2026, 2, 1), D(2026, 3, 31))
    assert list(DoctorContract.objects.in_force_on(D(2026, 7, 1))) == [first]
    assert list(DoctorContract.objects.in_force_on(D(2027, 7, 1))) == [renewal]


def test_contract_dates_in_order_and_an_ended_contract_frees_the_household(clerk_a, village_a, poor_household):
    household = poor_household(village_a)
    with pytest.raises(ValidationError, match="到期日期 2026-01-31 早于生效日期 2026-03-01"):
        services.contract_sign(user=clerk_a, household=household, signed_on=D(2026, 2, 1), starts_on=D(2026, 3, 1),
                               ends_on=D(2026, 1, 31), **TERMS)
    with pytest.raises(ValidationError, match="生效日期 2026-01-15 早于签约日期 2026-02-01"):
        services.contract_sign(user=clerk_a, household=household, signed_on=D(2026, 2, 1), starts_on=D(2026, 1, 15),
                               ends_on=D(2026, 12, 31), **TERMS)
    contract = sign(clerk_a, household, D(2026, 1, 1), D(2026, 12, 31))
    with pytest.raises(ValidationError, match="请填写解约原因"):
        services.contract_end(user=clerk_a, contract=contract, ended_on=D(2026, 5, 31), reason=" ")
    services.contract_end(user=clerk_a, contract=contract, ended_on=D(2026, 5, 31), reason="迁往外县")
    contract.refresh_from_db()
    assert contract.last_day == D(2026, 5, 31)
    assert sign(clerk_a, household, D(2026, 6, 1), D(2027, 5, 31), doctor="新医生").doctor == "新医生"
    assert [h.ended_on for h in contract.history.order_by("history_date")] == [None, D(2026, 5, 31)]
    with pytest.raises(ValidationError, match="已于 2026-05-31 解约"):
        services.contract_renew(user=clerk_a, contract=contract, signed_on=D(2026, 6, 1), ends_on=D(2027, 5, 31))


def test_a_household_of_another_township_is_refused(clerk_a, village_b, poor_household):
    with pytest.raises(ValidationError, match="不在您的管辖区域内"):
        sign(clerk_a, poor_household(village_b), D(2026, 1, 1), D(2026, 12, 31))


def test_an_official_may_not_sign(viewer, village_a, poor_household):
    with pytest.raises(ValidationError, match="登记家庭医生签约"):
        sign(viewer, poor_household(village_a), D(2026, 1, 1), D(2026, 12, 31))


def test_a_card_is_not_issued_twice(clerk_a, village_a, poor_household):
    person, other = poor_household(village_a, ["冉一", "冉二"]).members.order_by("pk")
    card = services.card_issue(user=clerk_a, person=person, number="HC001", issued_on=D(2026, 3, 1),
                               handed_over_by="村医 冉平")
    with pytest.raises(ValidationError, match="已于 2026-03-01 领取健康卡 HC001"):
        services.card_issue(user=clerk_a, person=person, number="HC002", issued_on=D(2026, 4, 1), handed_over_by="冉平")
    with pytest.raises(ValidationError, match="卡号 HC001 已于 2026-03-01 发放给 冉一"):
        services.card_issue(user=clerk_a, person=other, number="HC001", issued_on=D(2026, 4, 1), handed_over_by="冉平")
    with pytest.raises(ValidationError, match="作废日期早于发放日期"):
        services.card_revoke(user=clerk_a, card=card, revoked_on=D(2026, 2, 1), reason="遗失")
    services.card_revoke(user=clerk_a, card=card, revoked_on=D(2026, 5, 1), reason="遗失")
    with pytest.raises(ValidationError, match="卡号 HC001"):  # a revoked card's number stays used
        services.card_issue(user=clerk_a, person=person, number="HC001", issued_on=D(2026, 5, 2), handed_over_by="冉平")
    services.card_issue(user=clerk_a, person=person, number="HC003", issued_on=D(2026, 5, 2), handed_over_by="冉平")
    assert list(HealthCard.objects.filter(person=person).values_list("number", "revoked_on")) == [
        ("HC001", D(2026, 5, 1)), ("HC003", None)]


def test_one_health_record_per_person(clerk_a, village_a, poor_household):
    person, other = poor_household(village_a, ["冉一", "冉二"]).members.order_by("pk")
    services.record_establish(user=clerk_a, person=person, number="DA-1", established_on=D(2026, 2, 1))
    with pytest.raises(ValidationError, match="已于 2026-02-01 建档"):
        services.record_establish(user=clerk_a, person=person, number="DA-2", established_on=D(2026, 3, 1))
    with pytest.raises(ValidationError, match="档案编号 DA-1 已用于其他人员"):
        services.record_establish(user=clerk_a, person=other, number="DA-1", established_on=D(2026, 3, 1))
    with pytest.raises(ValidationError, match="晚于今天"):
        services.record_establish(user=clerk_a, person=other, number="DA-3", established_on=D(2999, 1, 1))


def test_treatment_cases_move_as_the_classes_allow(clerk_a, village_a, poor_household):
    person = poor_household(village_a).head
    cataract = Disease.objects.get(code="cataract")
    assert Disease.objects.filter(special=True).count() == 21
    case = services.treatment_register(user=clerk_a, person=person, disease=cataract,
                                       treatment_class=TreatmentCase.TreatmentClass.CURE_ONCE, institution="县人民医院",
                                       registered_on=D(2026, 3, 1))
    with pytest.raises(ValidationError, match="已在救治名单中"):
        services.treatment_register(user=clerk_a, person=person, disease=cataract, treatment_class="cure_once",
                                    institution="县中医院", registered_on=D(2026, 3, 2))
    services.treatment_set_status(user=clerk_a, case=case, status="treating", on=D(2026, 3, 5))
    with pytest.raises(ValidationError, match="早于上次变更"):
        services.treatment_set_status(user=clerk_a, case=case, status="treated", on=D(2026, 3, 4))
    services.treatment_set_status(user=clerk_a, case=case, status="treated", on=D(2026, 3, 20), note="术后好转出院")
    services.treatment_set_status(user=clerk_a, case=case, status="closed", on=D(2026, 4, 1), note="随访结束")
    with pytest.raises(ValidationError, match="已终止的救治不能再变更"):
        services.treatment_set_status(user=clerk_a, case=case, status="treating", on=D(2026, 5, 1))
    assert [h.status for h in case.history.order_by("history_date")] == ["pending", "treating", "treated", "closed"]


def test_a_two_disease_recognition_holds_its_category_until_withdrawn(clerk_a, village_a, poor_household):
    person = poor_household(village_a).head
    recognition = services.two_disease_recognise(user=clerk_a, person=person, disease="hypertension",
                                                 recognised_on=D(2026, 4, 1), recognised_by="县人民医院 田医生",
                                                 evidence="二级医院诊断证明")
    assert "hypertension" in {c.code for c in categories_on(person, D(2026, 4, 1))}
    assert "hypertension" not in {c.code for c in categories_on(person, D(2026, 3, 31))}
    with pytest.raises(ValidationError, match="已认定为高血压患者"):
        services.two_disease_recognise(user=clerk_a, person=person, disease="hypertension",
                                       recognised_on=D(2026, 5, 1), recognised_by="田医生", evidence="病历")
    services.two_disease_withdraw(user=clerk_a, recognition=recognition, withdrawn_on=D(2026, 8, 31),
                                  reason="复诊排除")
    assert "hypertension" not in {c.code for c in categories_on(person, D(2026, 9, 1))}
    assert CategoryHolding.objects.get(two_disease_recognition=recognition).source == "health"
    assert TwoDiseaseRecognition.objects.get().withdrawn_on == D(2026, 8, 31)


def test_coverage_by_township_and_who_it_misses(clerk_a, county_admin, village_a, village_b, poor_household, clerk_b):
    day = D(2026, 6, 30)
    signed, unsigned = poor_household(village_a, ["甲", "乙"]), poor_household(village_a, ["丙"])
    other_township = poor_household(village_b, ["丁"])
    sign(clerk_a, signed, D(2026, 1, 1), D(2026, 12, 31))
    sign(clerk_a, unsigned, D(2026, 7, 1), D(2027, 6, 30))  # not yet in force on the day
    services.record_establish(user=clerk_a, person=signed.head, number="DA-1", established_on=D(2026, 2, 1))
    services.card_issue(user=clerk_b, person=other_township.head, number="HC-1", issued_on=D(2026, 2, 1),
                        handed_over_by="村医")
    services.treatment_register(user=clerk_a, person=unsigned.head, disease=Disease.objects.get(code="lung_cancer"),
                                treatment_class="inpatient_maintenance", institution="市人民医院",
                                registered_on=D(2026, 5, 1))
    figures = coverage(county_admin, area_code=county_admin.area_id, day=day)
    first, second = figures.townships
    assert (first.households, first.contracted, first.people, first.recorded, first.carded) == (2, 1, 3, 1, 0)
    assert (first.patients, first.treated, first.rate("contracts"), first.rate("treatment")) == (1, 0, 0.5, 0)
    assert (second.households, second.people, second.carded, second.rate("cards")) == (1, 1, 1, 1)
    assert (figures.total.households, figures.total.contracted, figures.total.rate("records")) == (3, 1, 0.25)
    assert list(missing(county_admin, area_code=county_admin.area_id, day=day, measure="contracts")) == [
        unsigned, other_township]
    assert [p.name for p in missing(clerk_a, area_code=county_admin.area_id, day=day, measure="records")] == ["乙", "丙"]
    assert [p.name for p in missing(clerk_a, area_code=county_admin.area_id, day=day, measure="treatment")] == ["丙"]


def test_the_treatment_rate_of_a_past_day_reads_the_cases_as_they_stood(clerk_a, county_admin, village_a,
                                                                        poor_household):
    person = poor_household(village_a).head
    case = services.treatment_register(user=clerk_a, person=person, disease=Disease.objects.get(code="cataract"),
                                       treatment_class="cure_once", institution="县人民医院",
                                       registered_on=D(2026, 5, 1))
    services.treatment_set_status(user=clerk_a, case=case, status="treated", on=D(2026, 7, 10))
    services.treatment_set_status(user=clerk_a, case=case, status="closed", on=D(2026, 9, 1))

    def figures(day):
        row = coverage(county_admin, area_code=county_admin.area_id, day=day).total
        return row.patients, row.treated

    assert [figures(day) for day in (D(2026, 4, 30), D(2026, 6, 30), D(2026, 7, 31), D(2026, 9, 30))] == [
        (0, 0), (1, 0), (1, 1), (0, 0)]
    assert [p.name for p in missing(county_admin, area_code=county_admin.area_id, day=D(2026, 6, 30),
                                    measure="treatment")] == ["户主"]
