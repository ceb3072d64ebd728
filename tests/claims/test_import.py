import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from claims.models import Claim, Hospital

HEADER = "身份证号,姓名,就诊类型,医疗机构,医疗机构等级,入院日期,出院日期,诊断编码,总费用,政策范围内费用,基本医保支付\n"


@pytest.fixture
def people(load_vector_policy, make_person, village_a, covered):
    load_vector_policy("youyang-2017")
    return [covered(make_person(village_a, name=name), 2017, ["poor"]) for name in ("冉一", "冉二")]


def run(path, *extra):
    out = StringIO()
    call_command("import_claims", str(path), "--json", *extra, stdout=out)
    return json.loads(out.getvalue())


def write(tmp_path, rows, header=HEADER, name="list.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text("酉阳县人民医院 2017 年住院结算清单\n" + header + "".join(rows), encoding=encoding)
    return path


def test_preview_writes_nothing_and_apply_settles_in_date_order_skipping_repeats(people, tmp_path):
    one, two = people
    path = write(tmp_path, [
        f"{one.id_number},冉一,住院,市中心医院,市级,2017-11-10,2017-11-20,C34.900,30000,26000,\n",
        f"{one.id_number},冉一,住院,酉阳县人民医院,县级,2017-07-29,2017-08-03,I63.900,60000,48000,\n",
        f"{two.id_number},冉二,普通门诊,龙潭镇卫生院,乡镇,,2017-09-01,,180,180,\n",
    ], encoding="gbk")
    preview = run(path)
    assert (preview["rows"], preview["settled"], preview["skipped"], preview["errors"], preview["applied"]) == (
        3, 3, 0, [], False)
    assert sorted(preview["hospitals_created"]) == ["市中心医院", "酉阳县人民医院", "龙潭镇卫生院"]
    assert not Claim.objects.exists() and not Hospital.objects.exists()
    applied = run(path, "--apply")
    assert applied["settled"] == 3 and applied["applied"]
    later = Claim.objects.get(beneficiary=one, discharged_on=datetime.date(2017, 11, 20))
    critical = later.settlements.get().payments.get(layer="critical").amount
    assert critical == Decimal("5290.00")  # settled after the August bill although listed first
    assert later.settlements.count() == 1 and later.origin == "import"
    again = run(path, "--apply")
    assert (again["settled"], again["skipped"]) == (0, 3)
    assert Claim.objects.count() == 3


def test_recorded_amounts_go_to_the_first_layer_of_their_fund(people, tmp_path):
    one, _ = people
    path = write(tmp_path, [f"{one.id_number},冉一,住院,县医院,县级,2017-07-29,2017-08-03,,60000,48000,30000.00\n"])
    run(path, "--apply")
    payments = {p.layer: p for p in Claim.objects.get().settlements.get().payments.all()}
    assert payments["basic"].amount == Decimal("30000.00") and payments["basic"].recorded


def test_the_platforms_column_names_are_accepted(people, tmp_path):
    one, _ = people
    header = "psn_cert_no,psn_name,med_type,fixmedins_name,医疗机构等级,begndate,enddate,dise_no,medfee_sumamt,inscp_scp_amt,hifp_pay,hifmi_pay\n"
    path = write(tmp_path, [f"{one.id_number},冉一,住院,县医院,县级,2017-07-29,2017-08-03,I10,60000,48000,33495,3705.5\n"],
                 header=header)
    result = run(path, "--apply")
    assert result["settled"] == 1
    by_fund = Claim.objects.get().settlements.get()
    assert (by_fund.basic, by_fund.critical) == (Decimal("33495.00"), Decimal("3705.50"))


def test_any_bad_row_refuses_the_whole_file_naming_row_and_column(people, tmp_path):
    one, _ = people
    path = write(tmp_path, [
        f"{one.id_number},冉一,住院,县医院,县级,2017-07-29,2017-08-03,,60000,48000,\n",
        "500242199901010000,无名,住院,县医院,县级,2017-07-29,2017-08-03,,100,100,\n",
        f"{one.id_number},冉一,急诊,县医院,县级,2017-07-29,2017-08-04,,100,100,\n",
        f"{one.id_number},冉一,住院,县医院,县级,2017-07-29,2017-08-05,,100,200,\n",
        f"{one.id_number},冉一,住院,新医院,,2017-07-29,2017-08-06,,100,50,\n",
    ])
    with pytest.raises(CommandError) as info:
        run(path, "--apply")
    assert info.value.returncode == 2
    message = str(info.value)
    assert "第 4 行“身份证号”列" in message  # row numbers are the file's: title row, header, then data
    assert "第 5 行“就诊类型”列" in message and "急诊" in message
    assert "第 6 行“政策范围内费用”列" in message
    assert "第 7 行“医疗机构等级”列" in message
    assert not Claim.objects.exists() and not Hospital.objects.exists()


def test_a_person_outside_the_users_area_is_a_row_error(people, tmp_path, clerk_b):
    one, _ = people
    path = write(tmp_path, [f"{one.id_number},冉一,住院,县医院,县级,2017-07-29,2017-08-03,,60000,48000,\n"])
    with pytest.raises(CommandError) as info:
        run(path, "--apply", "--user", clerk_b.username)
    assert "不在登记册中" in str(info.value)


def test_the_import_page_previews_then_applies_on_confirmation(client, clerk_a, people):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    one, _ = people
    client.force_login(clerk_a)
    content = (HEADER + f"{one.id_number},冉一,住院,县医院,县级,2017-07-29,2017-08-03,,60000,48000,\n").encode()
    preview = client.post(reverse("claim_import"), {"file": SimpleUploadedFile("list.csv", content)})
    page = preview.content.decode()
    assert "可结算 1 张" in page and "确认导入并结算" in page
    assert not Claim.objects.exists()
    client.post(reverse("claim_import"), {"confirm": "1"})
    assert Claim.objects.count() == 1 and Claim.objects.get().entered_by == clerk_a


def test_a_hospital_new_to_a_clerks_import_waits_for_an_administrator(
    people, tmp_path, clerk_a, clerk_b, county_admin, make_person, village_b, covered
):
    from claims.forms import ClaimForm

    one, _two = people
    row = f"{one.id_number},冉一,住院,新开的民营医院,省级,2017-07-29,2017-08-03,,60000,48000,\n"
    applied = run(write(tmp_path, [row]), "--apply", "--user=clerk_a")
    hospital = Hospital.objects.get(name="新开的民营医院")
    assert applied["settled"] == 1 and applied["hospitals_created"] == ["新开的民营医院"]
    assert (hospital.status, hospital.proposed_by) == (Hospital.Status.PROPOSED, clerk_a)
    # not offered at the window, nor to another clerk's import, until accepted
    assert hospital not in ClaimForm().fields["hospital"].queryset
    other = covered(make_person(village_b, name="白一"), 2017, ["poor"])
    with pytest.raises(CommandError) as info:
        run(write(tmp_path, [f"{other.id_number},白一,住院,新开的民营医院,省级,2017-09-01,2017-09-05,,1000,800,\n"],
                  name="b.csv"), "--apply", "--user=clerk_b")
    assert "医疗机构“新开的民营医院”是其他经办员导入时新建的，管理员确认后才能使用" in str(info.value)
    # its proposer's later lists use it
    again = f"{one.id_number},冉一,普通门诊,新开的民营医院,省级,,2017-09-01,,180,180,\n"
    assert run(write(tmp_path, [again], name="again.csv"), "--apply", "--user=clerk_a")["hospitals_created"] == []


def test_a_hospital_new_to_an_administrators_import_is_accepted(people, tmp_path, county_admin):
    one, _two = people
    row = f"{one.id_number},冉一,住院,新开的民营医院,省级,2017-07-29,2017-08-03,,60000,48000,\n"
    run(write(tmp_path, [row]), "--apply", "--user=county_admin")
    assert Hospital.objects.get(name="新开的民营医院").status == Hospital.Status.ACCEPTED


def test_an_administrator_accepts_a_proposed_hospital_in_the_admin(client, clerk_a, county_admin, admin_a):
    from claims.forms import ClaimForm

    hospital = Hospital.objects.create(name="新开的民营医院", level="province", status=Hospital.Status.PROPOSED,
                                       proposed_by=clerk_a)
    action = {"action": "accept_hospitals", "_selected_action": [str(hospital.pk)]}
    client.force_login(admin_a)  # a township's administrator may not change the county's shared tables
    client.post("/admin/claims/hospital/", action)
    hospital.refresh_from_db()
    assert hospital.status == Hospital.Status.PROPOSED
    client.force_login(county_admin)
    response = client.post("/admin/claims/hospital/", action, follow=True)
    hospital.refresh_from_db()
    assert hospital.status == Hospital.Status.ACCEPTED and "已确认 1 家医疗机构" in response.content.decode()
    assert hospital.history.first().history_user == county_admin
    assert hospital in ClaimForm().fields["hospital"].queryset


def test_the_hospital_code_county_and_pay_later_columns(people, tmp_path):
    one, two = people
    header = "身份证号,姓名,就诊类型,医疗机构,机构编码,县域内,医疗机构等级,入院日期,出院日期,总费用,政策范围内费用,先诊疗后付费\n"
    path = write(tmp_path, [
        f"{one.id_number},冉一,住院,酉阳县人民医院,H50024200001,是,县级,2017-07-29,2017-08-03,60000,48000,是\n",
        # another list's name for the same hospital: its code finds it
        f"{two.id_number},冉二,住院,酉阳县人民医院（本部）,H50024200001,是,县级,2017-09-01,2017-09-05,8000,6000,否\n",
    ], header=header)
    applied = run(path, "--apply")
    assert (applied["settled"], applied["hospitals_created"]) == (2, ["酉阳县人民医院"])
    hospital = Hospital.objects.get()
    # the list's 县域内 is only a suggestion: out of county until an administrator classifies the hospital
    assert (hospital.code, hospital.suggested_in_county, hospital.in_county, hospital.classified) == (
        "H50024200001", True, False, False)
    assert {c.beneficiary.name: c.pay_later for c in Claim.objects.select_related("beneficiary")} == {
        "冉一": True, "冉二": False}


def test_a_new_hospital_without_the_county_column_is_out_of_county_and_a_bad_flag_is_named(people, tmp_path):
    one, _ = people
    run(write(tmp_path, [f"{one.id_number},冉一,住院,市中心医院,市级,2017-07-29,2017-08-03,,60000,48000,\n"]),
        "--apply")
    assert Hospital.objects.get().in_county is False
    header = "身份证号,姓名,就诊类型,医疗机构,医疗机构等级,出院日期,总费用,政策范围内费用,先诊疗后付费\n"
    with pytest.raises(CommandError) as info:
        run(write(tmp_path, [f"{one.id_number},冉一,住院,市中心医院,市级,2017-09-05,100,80,也许\n"],
                  header=header, name="bad.csv"), "--apply")
    assert "先诊疗后付费" in str(info.value) and "“也许”应为 是 / 否" in str(info.value)


def test_the_hospitals_admission_and_invoice_numbers_are_kept(people, tmp_path):
    # given: a list with both numbers, the admission number under the name outpatient lists give it
    one, two = people
    header = "身份证号,姓名,就诊类型,医疗机构,医疗机构等级,入院日期,出院日期,总费用,政策范围内费用,门诊号/住院号,发票号\n"
    path = write(tmp_path, [
        f"{one.id_number},冉一,住院,县医院,县级,2017-07-29,2017-08-03,60000,48000,ZY2017080012,50024217000123\n",
        f"{two.id_number},冉二,普通门诊,县医院,县级,,2017-09-01,180,180,,\n",
    ], header=header)
    # when
    assert run(path, "--apply")["settled"] == 2
    # then: kept on the bill as listed (text: leading zeros and letters stay); empty cells stay empty
    numbers = dict(Claim.objects.values_list("beneficiary__name", "admission_number"))
    invoices = dict(Claim.objects.values_list("beneficiary__name", "invoice_number"))
    assert numbers == {"冉一": "ZY2017080012", "冉二": ""}
    assert invoices == {"冉一": "50024217000123", "冉二": ""}


def test_a_number_longer_than_a_bill_keeps_is_a_row_error(people, tmp_path):
    one, _ = people
    header = "身份证号,姓名,就诊类型,医疗机构,医疗机构等级,入院日期,出院日期,总费用,政策范围内费用,发票号\n"
    path = write(tmp_path, [f"{one.id_number},冉一,住院,县医院,县级,2017-07-29,2017-08-03,60000,48000,{'9' * 41}\n"],
                 header=header)
    with pytest.raises(CommandError) as info:
        run(path, "--apply")
    assert "第 3 行“发票号”列" in str(info.value) and "超过 40 个字符" in str(info.value)
    assert not Claim.objects.exists()
