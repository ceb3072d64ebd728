"""The rules of the library and of taking part, through the services the window, the import and the commands share."""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from beneficiaries.models import Beneficiary
from beneficiaries.services import labour_capacity_set
from projects import rules, services
from projects.models import Project
from projects.selectors import funding_total_by_source, project_history

D = datetime.date
PDF = b"%PDF-1.4\n%test document\n"


@pytest.mark.parametrize(("day", "first", "last"), [
    (D(2026, 6, 30), D(1965, 7, 1), D(2010, 6, 30)),
    # born 29 February: 16 on 28 February of a common year, the day before 1 March
    (D(2028, 2, 29), D(1967, 3, 1), D(2012, 2, 29)),
    (D(2027, 2, 28), D(1966, 3, 1), D(2011, 2, 28)),
])
def test_working_age_bounds(day, first, last):
    assert rules.working_age_born_between(day) == (first, last)


def test_working_age_agrees_with_age_in_full_years_around_every_birthday_and_29_february():
    from policies.document import age_on
    births = [D(year, month, day) for year in (1963, 1964, 1965, 2008, 2009, 2010, 2011, 2012)
              for month, day in ((2, 28), (2, 29), (3, 1)) if not (month == 2 and day == 29 and year % 4)]
    for day in (D(2024, 2, 28), D(2024, 2, 29), D(2024, 3, 1), D(2025, 2, 28), D(2025, 3, 1), D(2026, 2, 28)):
        first, last = rules.working_age_born_between(day)
        for birth in births:
            assert (first <= birth <= last) == (16 <= age_on(birth, day) <= 60), (day, birth)


def test_status_moves_one_step_at_a_time_with_dates_in_order():
    labels = dict(Project.Status.choices)
    assert rules.status_move_problems("reserve", "approved", D(2026, 2, 1), D(2026, 1, 1), D(2026, 3, 1), labels) == []
    assert rules.status_move_problems("reserve", "implementing", D(2026, 2, 1), D(2026, 1, 1), D(2026, 3, 1),
                                      labels) == ["项目状态不能从“储备”改为“实施”。"]
    assert rules.status_move_problems("completed", "implementing", D(2026, 2, 1), D(2026, 1, 1), D(2026, 3, 1),
                                      labels) == []
    assert rules.status_move_problems("accepted", "cancelled", D(2026, 2, 1), D(2026, 1, 1), D(2026, 3, 1),
                                      labels) == ["项目状态不能从“验收”改为“终止”。"]
    assert rules.status_move_problems("approved", "implementing", D(2025, 12, 31), D(2026, 1, 1), D(2026, 3, 1),
                                      labels) == ["状态日期 2025-12-31 早于上一状态的日期 2026-01-01。"]


def test_project_save_checks_place_code_and_dates(clerk_a, county, township_a, village_a, village_b, make_project):
    project = make_project(clerk_a, village_a, code="XM-1", status="reserve")
    assert (project.status, project.recorded_by) == ("reserve", clerk_a)
    terms = {"name": "茶叶基地", "kind": "farming", "lead_department": "县农业农村委"}
    with pytest.raises(ValidationError, match="项目编号 XM-1 已被使用"):
        services.project_save(user=clerk_a, code="XM-1", area=township_a, **terms)
    with pytest.raises(ValidationError, match="不是乡镇或村"):
        services.project_save(user=clerk_a, code="XM-2", area=county, **terms)
    with pytest.raises(ValidationError, match="不在您的管辖区域内"):
        services.project_save(user=clerk_a, code="XM-2", area=village_b, **terms)
    with pytest.raises(ValidationError, match="计划完工日期 2026-03-01 早于计划开工日期 2026-04-01"):
        services.project_save(user=clerk_a, code="XM-2", area=township_a, planned_start=D(2026, 4, 1),
                              planned_end=D(2026, 3, 1), **terms)
    changed = services.project_save(user=clerk_a, project=project, code="XM-1", area=township_a, **terms)
    assert (changed.name, changed.area_id, changed.status) == ("茶叶基地", township_a.code, "reserve")


def test_an_official_and_another_township_are_refused(clerk_a, clerk_b, viewer, village_a, make_project):
    with pytest.raises(ValidationError, match="不能添加产业项目"):
        services.project_save(user=viewer, code="XM-9", name="x", kind="farming", area=village_a, lead_department="y")
    project = make_project(clerk_a, village_a)
    for user in (viewer, clerk_b):
        with pytest.raises(ValidationError, match="不能|不在您的管辖区域内"):
            services.project_move(user=user, project=project, status="completed", on=D(2026, 3, 1))
        with pytest.raises(ValidationError, match="不能|不在您的管辖区域内"):
            services.funding_add(user=user, project=project, source="central", amount=Decimal("1"),
                                 arrived_on=D(2026, 3, 1))


def test_status_moves_are_the_history(clerk_a, village_a, make_project):
    project = make_project(clerk_a, village_a, status="reserve", on=D(2026, 1, 5))
    services.project_move(user=clerk_a, project=project, status="approved", on=D(2026, 2, 1), note="县扶贫办批复")
    with pytest.raises(ValidationError, match="不能从“立项”改为“验收”"):
        services.project_move(user=clerk_a, project=project, status="accepted", on=D(2026, 3, 1))
    with pytest.raises(ValidationError, match="终止项目请填写原因"):
        services.project_move(user=clerk_a, project=project, status="cancelled", on=D(2026, 3, 1))
    services.project_move(user=clerk_a, project=project, status="implementing", on=D(2026, 3, 1))
    moves = [(m.status, m.status_on, m.status_note, m.history_user) for m in project_history(project)]
    assert moves == [("reserve", D(2026, 1, 5), "", clerk_a), ("approved", D(2026, 2, 1), "县扶贫办批复", clerk_a),
                     ("implementing", D(2026, 3, 1), "", clerk_a)]


def test_funding_corrections_never_take_a_source_below_zero(clerk_a, village_a, make_project):
    project = make_project(clerk_a, village_a)
    services.funding_add(user=clerk_a, project=project, source="central", amount=Decimal("300000.00"),
                         arrived_on=D(2026, 2, 1))
    services.funding_add(user=clerk_a, project=project, source="county", amount=Decimal("50000.50"),
                         arrived_on=D(2026, 2, 1))
    services.funding_add(user=clerk_a, project=project, source="central", amount=Decimal("-0.01"),
                         arrived_on=D(2026, 3, 1), note="更正")
    with pytest.raises(ValidationError, match="不能小于 0（现有 50000.50 元）"):
        services.funding_add(user=clerk_a, project=project, source="county", amount=Decimal("-50000.51"),
                             arrived_on=D(2026, 3, 1))
    with pytest.raises(ValidationError, match="金额不能为 0"):
        services.funding_add(user=clerk_a, project=project, source="county", amount=Decimal("0"),
                             arrived_on=D(2026, 3, 1))
    assert funding_total_by_source(project) == {"central": Decimal("299999.99"), "county": Decimal("50000.50")}


def test_attachments_keep_their_hash_and_refuse_other_files(clerk_a, clerk_b, village_a, make_project, media):
    project = make_project(clerk_a, village_a)
    attachment = services.attachment_add(user=clerk_a, project=project, title="实施方案", file_name="方案.pdf",
                                         content=PDF)
    assert attachment.file_sha256 == hashlib.sha256(PDF).hexdigest()
    with attachment.file.open("rb") as handle:
        assert handle.read() == PDF
    with pytest.raises(ValidationError, match="内容不是 PDF 文件"):
        services.attachment_add(user=clerk_a, project=project, title="x", file_name="x.pdf", content=b"<html>")
    with pytest.raises(ValidationError, match="类型不能作为附件"):
        services.attachment_add(user=clerk_a, project=project, title="x", file_name="x.exe", content=b"MZ")
    with pytest.raises(ValidationError, match="超过附件上限 20 MB"):
        services.attachment_add(user=clerk_a, project=project, title="x", file_name="x.pdf",
                                content=PDF + b"0" * services.ATTACHMENT_MAX_BYTES)
    with pytest.raises(ValidationError, match="不在您的管辖区域内"):
        services.attachment_add(user=clerk_b, project=project, title="x", file_name="x.pdf", content=PDF)


def test_participation_rules(clerk_a, admin_a, village_a, village_b, township_a, poor_person, make_project,
                             county_admin):
    project = make_project(clerk_a, village_a)
    person = poor_person(village_a)
    joined = services.participation_start(user=clerk_a, project=project, person=person, role="worker",
                                          starts_on=D(2026, 3, 1))
    with pytest.raises(ValidationError, match="未退出前不能重复登记"):
        services.participation_start(user=clerk_a, project=project, person=person, role="worker",
                                     starts_on=D(2026, 4, 1))
    # another township's person does not join a township's project, even for the county
    other = poor_person(village_b, name="白小河")
    with pytest.raises(ValidationError, match="只能参与本乡镇的项目"):
        services.participation_start(user=county_admin, project=project, person=other, role="worker",
                                     starts_on=D(2026, 3, 1))
    reserve = make_project(clerk_a, township_a, status="reserve")
    with pytest.raises(ValidationError, match="处于“储备”状态"):
        services.participation_start(user=clerk_a, project=reserve, person=person, role="worker",
                                     starts_on=D(2026, 3, 1))
    services.participation_end(user=clerk_a, participation=joined, ends_on=D(2026, 6, 30), reason="外出务工")
    with pytest.raises(ValidationError, match="已于 2026-06-30 退出"):
        services.participation_end(user=clerk_a, participation=joined, ends_on=D(2026, 7, 1), reason="x")
    again = services.participation_start(user=clerk_a, project=project, person=person, role="shareholder",
                                         starts_on=D(2026, 8, 1))
    assert again.role == "shareholder"
    from beneficiaries.services import beneficiary_set_status
    beneficiary_set_status(user=admin_a, person=person, status="deceased", day=D(2026, 9, 1))
    with pytest.raises(ValidationError, match="已死亡，不能登记参与"):
        services.participation_start(user=clerk_a, project=reserve, person=person, role="worker",
                                     starts_on=D(2026, 9, 2))


def test_income_corrections(clerk_a, viewer, village_a, poor_person, make_project):
    project = make_project(clerk_a, village_a)
    joined = services.participation_start(user=clerk_a, project=project, person=poor_person(village_a),
                                          role="worker", starts_on=D(2026, 3, 1))
    services.income_add(user=clerk_a, participation=joined, received_on=D(2026, 3, 31), amount=Decimal("2400.00"))
    services.income_add(user=clerk_a, participation=joined, received_on=D(2026, 4, 30), amount=Decimal("-400.10"))
    with pytest.raises(ValidationError, match="冲减后该参与的收入为 -0.01 元"):
        services.income_add(user=clerk_a, participation=joined, received_on=D(2026, 4, 30),
                            amount=Decimal("-1999.91"))
    with pytest.raises(ValidationError, match="早于参与日期 2026-03-01"):
        services.income_add(user=clerk_a, participation=joined, received_on=D(2026, 2, 28), amount=Decimal("1"))
    with pytest.raises(ValidationError, match="不能登记项目收入"):
        services.income_add(user=viewer, participation=joined, received_on=D(2026, 4, 30), amount=Decimal("1"))
    assert sum(i.amount for i in joined.incomes.all()) == Decimal("1999.90")


def test_labour_capacity_set(clerk_a, clerk_b, viewer, village_a, poor_person):
    person = poor_person(village_a, capacity="")
    labour_capacity_set(user=clerk_a, person=person, capacity="weak")
    person.refresh_from_db()
    assert person.labour_capacity == "weak"
    assert person.history.first().history_user == clerk_a
    with pytest.raises(ValidationError, match="劳动能力应为"):
        labour_capacity_set(user=clerk_a, person=person, capacity="strong")
    for user in (viewer, clerk_b):
        with pytest.raises(ValidationError, match="不能登记劳动能力|不在您的管辖区域内"):
            labour_capacity_set(user=user, person=person, capacity="none")


def test_a_dead_persons_labour_capacity_is_not_recorded(clerk_a, village_a, poor_person):
    person = poor_person(village_a, capacity="")
    Beneficiary.objects.filter(pk=person.pk).update(status="deceased", status_date=datetime.date(2026, 5, 1))
    with pytest.raises(ValidationError, match="状态为“死亡”，只能登记在册人员的劳动能力"):
        labour_capacity_set(user=clerk_a, person=person, capacity="able")
    person.refresh_from_db()
    assert person.labour_capacity == ""
