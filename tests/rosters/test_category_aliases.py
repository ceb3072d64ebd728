"""The editable alias table: seeded by a data migration, edited in the admin, used by the comparison."""

from django.urls import reverse

from rosters.models import CategoryAlias
from rosters.selectors import category_codes_by_key
from tests.rosters.conftest import new_id_number, roster_rows, xlsx_bytes
from tests.rosters.test_reconcile_command import reconcile


def test_the_usual_words_are_seeded(db):
    seeded = dict(CategoryAlias.objects.values_list("alias", "category__code"))
    assert (seeded["农村低保"], seeded["特困供养"], seeded["建档立卡"], seeded["脱贫户"]) == (
        "dibao_rural",
        "tekun_rural",
        "poor",
        "poor",
    )
    assert "低保" not in seeded  # urban or rural: an administrator decides


def test_codes_names_and_aliases_all_name_a_category(db):
    lookup = category_codes_by_key()
    assert lookup["dibao_rural"] == lookup["农村低保对象"] == lookup["农村低保"] == "dibao_rural"


def test_an_alias_added_in_the_admin_is_used_by_the_next_comparison(
    client, county_admin, village_a, tmp_path
):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx_bytes(roster_rows(["甲", new_id_number(), "低保", village_a.code])))
    assert reconcile(path)["rejected"] == 1
    client.force_login(county_admin)
    category = CategoryAlias.objects.get(alias="农村低保").category
    response = client.post(
        reverse("admin:rosters_categoryalias_add"), {"alias": " 低　保 ", "category": category.pk}
    )
    assert response.status_code == 302
    assert CategoryAlias.objects.filter(alias="低保").exists()
    assert reconcile(path)["new"] == 1


def test_aliases_export_from_the_admin(client, county_admin):
    client.force_login(county_admin)
    response = client.post(
        reverse("admin:rosters_categoryalias_export"),
        {
            "format": "0",
            "resource": "0",
            "categoryaliasresource_alias": "on",
            "categoryaliasresource_category": "on",
        },
    )
    assert response.status_code == 200
    exported = response.content.decode("utf-8-sig")
    assert exported.splitlines()[0] == "名单中的写法,类别代码" and "农村低保,dibao_rural" in exported
