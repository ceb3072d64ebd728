"""参保财政补助 on the enrollment form: the policy's subsidy for the person's categories in that year and
insurance, not 0; from the person's latest record where the policy has no ``enrollment`` block."""

import datetime
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services import system_user
from beneficiaries.models import CategoryHolding, Enrollment, Insurance
from beneficiaries.selectors import enrollment_subsidy_defaults
from policies.services import policy_load

D = datetime.date
VECTORS = Path(__file__).resolve().parent.parent / "data" / "vectors"
ENROLLMENT = {"insurance": "resident_basic", "premium": "180.00",
              "subsidies": [{"categories": ["tekun_rural"], "amount": "full"},
                            {"categories": ["poor", "dibao_rural"], "amount": "90.00"}]}


@pytest.fixture
def load_vector_policy(db):
    """The 酉阳 2017 test policy (tests/data/vectors), with changes."""
    def load(name: str, **changes):
        document = json.loads((VECTORS / f"{name}.policy.json").read_text(encoding="utf-8")) | changes
        return policy_load(user=system_user(), document=document)[0]

    return load


@pytest.fixture
def basic(db):
    return Insurance.objects.get(code="resident_basic")


def hold(person, category, code, start):
    CategoryHolding.objects.create(beneficiary=person, category=category(code), source="other", start=start)


def test_the_policy_subsidy_follows_the_categories_held_when_recorded(load_vector_policy, person_a, category, basic):
    # given a 2017 policy that pays 90 for 建档立卡 and the whole premium for 特困
    load_vector_policy("youyang-2017", enrollment=ENROLLMENT)
    hold(person_a, category, "poor", D(2016, 6, 1))
    # when
    defaults = enrollment_subsidy_defaults(person_a, [2016, 2017, 2018], today=D(2016, 10, 1))
    # then: recorded in autumn 2016 for 2017, by the categories held then; no policy for 2016 or 2018
    assert defaults.amounts == {f"2017|{basic.pk}": "90.00"}
    assert defaults.insurance_id is None  # 2016, "this year", has no policy
    hold(person_a, category, "tekun_rural", D(2016, 9, 1))
    assert enrollment_subsidy_defaults(person_a, [2017], today=D(2017, 2, 1)).amounts == {f"2017|{basic.pk}": "180.00"}


def test_no_category_means_no_subsidy(load_vector_policy, person_a, basic):
    load_vector_policy("youyang-2017", enrollment=ENROLLMENT)
    assert enrollment_subsidy_defaults(person_a, [2017], today=D(2017, 1, 5)).amounts == {f"2017|{basic.pk}": "0.00"}


def test_without_an_enrollment_block_the_latest_record_is_proposed(load_vector_policy, person_a, basic):
    load_vector_policy("youyang-2017")  # the vector policy has no enrollment block
    Enrollment.objects.create(beneficiary=person_a, year=2015, insurance=basic, status="enrolled", subsidy="60.00")
    Enrollment.objects.create(beneficiary=person_a, year=2016, insurance=basic, status="enrolled", subsidy="75.00")
    defaults = enrollment_subsidy_defaults(person_a, [2017], today=D(2017, 1, 5))
    assert defaults.amounts == {f"2017|{basic.pk}": "75.00"} and defaults.insurance_id is None


def test_the_form_proposes_this_years_policy_subsidy_and_the_others_for_the_page(
        client, clerk_a, load_vector_policy, person_a, category, basic):
    year = timezone.localdate().year
    load_vector_policy("youyang-2017", year=year, enrollment=ENROLLMENT)
    hold(person_a, category, "dibao_rural", D(year - 1, 1, 1))
    client.force_login(clerk_a)
    page = client.get(reverse("enrollment_add", args=[person_a.pk])).content.decode()
    subsidy = re.search(r'<input type="number" name="subsidy"[^>]*>', page).group(0)
    assert 'value="90.00"' in subsidy
    assert json.loads(re.search(r"data-defaults=\"([^\"]+)\"", subsidy).group(1).replace("&quot;", '"')) == {
        f"{year}|{basic.pk}": "90.00"}
    assert 'data-defaults-from="year insurance"' in subsidy
    assert re.search(rf'<option value="{basic.pk}" selected>', page)
    assert re.search(rf'name="year" value="{year}"', page)
    # What is posted is what is recorded (the clerk may still change it).
    client.post(reverse("enrollment_add", args=[person_a.pk]),
                {"year": year, "insurance": basic.pk, "status": "enrolled", "subsidy": "90.00"})
    assert Enrollment.objects.get(beneficiary=person_a).subsidy == Decimal("90.00")
