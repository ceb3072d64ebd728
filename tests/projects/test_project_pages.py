"""The project pages: each form writes through its service and shows the service's refusal on itself; the pages,
the lists and the downloads keep to the user's area and role."""

import datetime
import io
from decimal import Decimal

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AccessLog
from projects import services
from projects.models import Attachment, Funding, Participation, Project

D = datetime.date
PDF = b"%PDF-1.4\n%minutes of the acceptance\n"


def post(client, url, action, **fields):
    data = {f"{action}-{name}": value.isoformat() if isinstance(value, datetime.date) else value
            for name, value in fields.items()}
    return client.post(url, {"action": action, **data})


def test_a_clerk_adds_a_project_moves_it_funds_it_and_signs_people_up(client, clerk_a, village_a, poor_person):
    client.force_login(clerk_a)
    library = reverse("projects:library")
    response = post(client, library, "add", code="XM-100", name="中药材种植", kind="herbs", area=village_a.code,
                    lead_department="县林业局", status_on=D(2026, 2, 20))
    assert response.status_code == 302
    project = Project.objects.get(code="XM-100")
    url = reverse("projects:project", args=[project.pk])
    # a person may not join a project in reserve: the form is not offered, and a post of it is refused in words
    assert "join" not in client.get(url).context["forms"]
    assert post(client, url, "move", status="approved", on=D(2026, 3, 1), note="酉扶贫发〔2026〕3号").status_code == 302
    refused = post(client, url, "move", status="accepted", on=D(2026, 3, 2))
    assert "不能从“立项”改为“验收”" in refused.content.decode()
    for amount, day in (("120000.00", D(2026, 3, 5)), ("-0.50", D(2026, 3, 6))):
        assert post(client, url, "funding", source="central", amount=amount, arrived_on=day).status_code == 302
    person = poor_person(village_a, "冉秀英")
    response = post(client, url, "join", id_number=person.id_number, role="worker", starts_on=D(2026, 3, 10))
    assert response.status_code == 302
    participation = Participation.objects.get(person=person)
    assert post(client, url, "income", target=participation.pk, received_on=D(2026, 4, 1), amount="1800.00",
                note="3 月工资").status_code == 302
    page = client.get(url).content.decode()
    assert "¥119,999.50" in page and "酉扶贫发〔2026〕3号" in page and "冉秀英" in page and "¥1,800.00" in page
    assert [m.status for m in client.get(url).context["moves"]] == ["reserve", "approved"]
    assert post(client, url, "end", target=participation.pk, ends_on=D(2026, 6, 30), reason="外出务工").status_code == 302
    participation.refresh_from_db()
    assert participation.ends_on == D(2026, 6, 30)


def test_an_official_sees_the_project_but_is_offered_no_form_and_a_post_is_refused(client, clerk_a, viewer,
                                                                                    village_a, make_project):
    project = make_project(clerk_a, village_a)
    client.force_login(viewer)
    url = reverse("projects:project", args=[project.pk])
    response = client.get(url)
    assert response.status_code == 200 and response.context["forms"] == {}
    assert response.context["attachment_form"] is None
    assert post(client, url, "funding", source="central", amount="1.00", arrived_on=D(2026, 3, 5)).status_code == 403
    assert not Funding.objects.exists()


def test_pages_are_scoped_to_a_township_clerk(client, clerk_a, clerk_b, village_a, village_b, make_project,
                                              poor_person, media):
    mine, theirs = make_project(clerk_a, village_a, code="XM-A"), make_project(clerk_b, village_b, code="XM-B")
    attachment = services.attachment_add(user=clerk_b, project=theirs, title="方案", file_name="b.pdf", content=PDF)
    other = poor_person(village_b, "白一")
    make_project(clerk_a, village_a, code="XM-A2", status="reserve")
    for project, amount in ((mine, "100.10"), (mine, "0.20"), (theirs, "999.00")):
        services.funding_add(user=project.recorded_by, project=project, source="central", amount=Decimal(amount),
                             arrived_on=D(2026, 2, 1))
    client.force_login(clerk_a)
    response = client.get(reverse("projects:library"))
    assert [p.code for p in response.context["page"]] == ["XM-A", "XM-A2"]
    assert [(value, n) for value, _, n in response.context["counts"] if n] == [("reserve", 1), ("implementing", 1)]
    assert (response.context["total"], response.context["funding"]) == (2, Decimal("100.30"))
    filtered = client.get(reverse("projects:library"), {"status": "reserve", "area": village_a.code})
    assert [p.code for p in filtered.context["page"]] == ["XM-A2"]
    assert client.get(reverse("projects:project", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("projects:attachment", args=[attachment.pk])).status_code == 404
    assert client.get(reverse("projects:person", args=[other.pk])).status_code == 404
    # someone of another township, named by ID number, is not found for the join
    response = post(client, reverse("projects:project", args=[mine.pk]), "join", id_number=other.id_number,
                    role="worker", starts_on=D(2026, 3, 10))
    assert "不在登记册中（或不在您的管辖区域内）" in response.content.decode()
    client.force_login(clerk_b)
    download = client.get(reverse("projects:attachment", args=[attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]


def test_an_attachment_is_uploaded_from_the_page_and_a_wrong_file_refused(client, clerk_a, village_a, make_project,
                                                                          media):
    project = make_project(clerk_a, village_a)
    client.force_login(clerk_a)
    url = reverse("projects:attachment_upload", args=[project.pk])
    response = client.post(url, {"title": "验收报告", "file": SimpleUploadedFile("验收.pdf", PDF)}, follow=True)
    assert "已上传附件" in response.content.decode()
    response = client.post(url, {"title": "假文件", "file": SimpleUploadedFile("x.pdf", b"<script>")}, follow=True)
    assert "内容不是 PDF 文件" in response.content.decode()
    assert [a.title for a in Attachment.objects.all()] == ["验收报告"]


def test_the_person_page_sets_labour_capacity(client, clerk_a, viewer, village_a, poor_person):
    person = poor_person(village_a, capacity="")
    client.force_login(viewer)
    url = reverse("projects:person", args=[person.pk])
    assert "capacity" not in client.get(url).context["forms"]
    client.force_login(clerk_a)
    assert "未登记" in client.get(url).content.decode()
    assert post(client, url, "capacity", capacity="weak").status_code == 302
    person.refresh_from_db()
    assert person.labour_capacity == "weak"


def test_the_no_project_list_is_counted_by_township_logged_and_exported_masked(client, clerk_a, village_a,
                                                                                village_b, poor_person):
    poor_person(village_a, "冉一")
    poor_person(village_b, "白一")
    client.force_login(clerk_a)
    url = reverse("projects:no_project")
    response = client.get(url, {"day": "2026-06-30"})
    assert [p.name for p in response.context["page"]] == ["冉一"]
    assert [(code, n) for _, code, n in response.context["townships"]] == [("500242100", 1)]
    assert AccessLog.objects.filter(user=clerk_a, object_id="projects:no_project").count() == 1
    download = client.get(url, {"day": "2026-06-30", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).active
    row = [cell.value for cell in sheet[3]]
    assert row[:4] == ["龙潭镇", "红花村", row[2], "冉一"] and "*" in row[4] and row[5:] == [46, "有劳动能力"]
    assert sheet.max_row == 3


def test_the_stats_page_shows_both_tables_and_downloads_them(client, clerk_a, village_a, poor_person, make_project):
    project = make_project(clerk_a, village_a)
    services.funding_add(user=clerk_a, project=project, source="county", amount=Decimal("8000.25"),
                         arrived_on=D(2026, 2, 1))
    client.force_login(clerk_a)
    response = client.get(reverse("projects:stats"), {"day": "2026-06-30"})
    participation, library = response.context["tables"]
    assert [row.code for row in library.rows] == ["500242100"]
    assert library.total.values["funding_county"] == Decimal("8000.25")
    assert "¥8,000.25" in response.content.decode()
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("projects:stats"),
                                                        {"day": "2026-06-30", "format": "xlsx"}).content))
    assert book.sheetnames == ["产业项目参与情况", "产业项目库"]
