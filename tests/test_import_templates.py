"""Every import has a downloadable template: its importer's own headers, one example row and a sheet explaining
each column; the template, uploaded back as it is, is read by its importer and its example row accepted."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from beneficiaries.models import Beneficiary, Household
from claims.imports import claims_import
from config.import_templates import EXAMPLE_ID, TEMPLATES
from monitoring.models import PublicityVisit
from monitoring.visits import visits_import
from regions.models import Region
from rosters.comparison import Outcome
from rosters.files import read_enrollment_list, read_roster
from rosters.services import enrollment_import, roster_preview, roster_request
from spreadsheets.reading import read_table
from tests.claims.conftest import covered, load_vector_policy  # noqa: F401  (fixtures)

# What each upload page links to.
PAGES = {
    "rosters:batch_upload": ["roster-civil-affairs", "roster-poverty-office"],
    "rosters:enrollment_upload": ["enrollment"],
    "claim_import": ["claims"],
    "monitoring:visit_import": ["visits"],
    "health:batch_upload": ["contracts"],
    "surveys:batch_upload": ["surveys"],
    "participation_lists:batch_upload": ["participation"],
}


def download(client, name: str) -> bytes:
    response = client.get(reverse("import_template", args=[name]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return b"".join(response.streaming_content)


@pytest.fixture
def example_person(make_person, village_a):
    """The person the examples name (EXAMPLE_ID), in the village they name (village_a is 500242100201)."""
    person = make_person(village_a, name="冉小红")
    Beneficiary.objects.filter(pk=person.pk).update(id_number=EXAMPLE_ID, birth_date=datetime.date(1980, 1, 1))
    person.refresh_from_db()
    return person


@pytest.mark.django_db
@pytest.mark.parametrize("name", TEMPLATES)
def test_each_template_has_its_importers_headers_an_example_row_and_an_explanation_sheet(client, viewer, name):
    template = TEMPLATES[name]
    client.force_login(viewer)  # a blank form holds nobody's data: any signed-in user may take one
    book = openpyxl.load_workbook(io.BytesIO(download(client, name)))
    assert book.sheetnames == ["填写", "填写说明"]
    headers, example, *rest = book["填写"].iter_rows(values_only=True)
    assert not rest
    assert list(headers) == [template.aliases[column.field][0] for column in template.columns]
    assert [value or "" for value in example] == [column.example for column in template.columns]
    guide = list(book["填写说明"].iter_rows(values_only=True))
    explained = {row[0]: row[1] for row in guide[1 : len(template.columns) + 1]}
    assert explained == {
        template.aliases[column.field][0]: "必填" if column.field in template.required else "可选"
        for column in template.columns
    }
    # the importer's reader finds every column of the template and the one example row
    table = read_table(download(client, name), "模板.xlsx", template.aliases, template.required)
    assert set(table.columns) == {column.field for column in template.columns}
    assert len(list(table.records())) == 1


def test_a_template_naming_a_column_its_importer_does_not_read_cannot_be_built():
    from spreadsheets.import_templates import ImportTemplate, TemplateColumn

    with pytest.raises(ValueError, match="多出"):
        ImportTemplate("x", {"a": ("甲",)}, ["a"], [TemplateColumn("a", "", ""), TemplateColumn("b", "", "")])
    with pytest.raises(ValueError, match="缺少"):
        ImportTemplate("x", {"a": ("甲",), "b": ("乙",)}, ["a", "b"], [TemplateColumn("a", "", "")])


@pytest.mark.django_db
@pytest.mark.parametrize("source, name, category", [
    ("civil_affairs", "roster-civil-affairs", "dibao_rural"),
    ("poverty_office", "roster-poverty-office", "poor"),
])
def test_the_roster_templates_example_is_a_usable_row(county_admin, village_a, source, name, category):
    content = TEMPLATES[name].workbook().getvalue()
    assert len(read_roster(content, "模板.xlsx").rows) == 1
    request = roster_request(user=county_admin, source=source, month="2026-03")
    preview = roster_preview(request=request, file_name="模板.xlsx", content=content)
    [finding] = preview.comparison.findings
    assert (finding.outcome, finding.id_number, finding.after) == (Outcome.NEW, EXAMPLE_ID, frozenset({category}))


@pytest.mark.django_db
def test_the_enrollment_templates_example_is_recorded(county_admin, example_person):
    content = TEMPLATES["enrollment"].workbook().getvalue()
    [row] = read_enrollment_list(content, "模板.xlsx")
    assert (row.id_text, row.insurance_text, row.status_text) == (EXAMPLE_ID, "城乡居民医保", "已参保")
    result = enrollment_import(user=county_admin, year=2026, file_name="模板.xlsx", content=content, apply=True)
    assert result.as_dict(mask_ids=False)["errors"] == []
    assert result.created == 1
    assert example_person.enrollments.get(year=2026).insurance.code == "resident_basic"


@pytest.mark.django_db
def test_the_claims_templates_example_is_settled(county_admin, example_person, load_vector_policy, covered):  # noqa: F811
    load_vector_policy("youyang-2017", year=2026, code="youyang-template-2026")
    covered(example_person, 2026, categories=["poor"])
    content = TEMPLATES["claims"].workbook().getvalue()
    report = claims_import(user=county_admin, content=content, filename="模板.xlsx", apply=True)
    assert [error.message for error in report.errors] == []
    assert (report.rows, report.settled) == (1, 1)
    claim = example_person.claims.get()
    assert (claim.hospital.name, claim.total, claim.discharged_on) == ("酉阳县人民医院", 8000, datetime.date(2026, 3, 9))
    assert (claim.admission_number, claim.invoice_number) == ("ZY2026030021", "50024226000123")


@pytest.mark.django_db
def test_the_visits_templates_example_is_recorded(county_admin, example_person, village_a):
    Household.objects.create(number="Y10000001", village=village_a, head=example_person)
    content = TEMPLATES["visits"].workbook().getvalue()
    report = visits_import(user=county_admin, content=content, filename="模板.xlsx", apply=True)
    assert (report.errors, report.recorded) == ([], 1)
    assert PublicityVisit.objects.get().visitor == "冉帮扶"


@pytest.mark.django_db
def test_the_regions_templates_example_is_imported(tmp_path, township_a):
    path = tmp_path / "区划.xlsx"
    call_command("import_template", "regions", "--out", str(path))
    call_command("import_regions", str(path))
    assert Region.objects.get(code="500242100201").name == "红花村"


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_template(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有模板“nothing”"):
        call_command("import_template", "nothing", "--out", str(tmp_path / "x.xlsx"))


@pytest.mark.django_db
def test_an_unknown_template_is_not_found(client, viewer):
    client.force_login(viewer)
    assert client.get(reverse("import_template", args=["nothing"])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("page, names", PAGES.items())
def test_every_upload_page_links_its_templates(client, county_admin, page, names):
    client.force_login(county_admin)
    text = client.get(reverse(page)).content.decode()
    for name in names:
        assert reverse("import_template", args=[name]) in text
