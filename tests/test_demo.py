from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from beneficiaries.models import Beneficiary, CategoryHolding, Enrollment, Household
from claims.models import Claim, Settlement
from health.models import DoctorContract, HealthCard, TreatmentCase, TwoDiseaseRecognition
from policies.models import Policy


@pytest.mark.django_db
def test_load_demo_builds_the_county_and_running_it_twice_duplicates_nothing():
    call_command("load_demo", stderr=StringIO())
    counts = (Beneficiary.objects.count(), Household.objects.count(), CategoryHolding.objects.count(),
              Enrollment.objects.count(), Claim.objects.count(), Settlement.objects.count(), User.objects.count(),
              Policy.objects.count())
    assert 2800 <= counts[0] <= 4000 and 900 <= counts[1] <= 1100
    assert counts[4] > 1000 and Settlement.objects.filter(superseded_at__isnull=True).count() == counts[4]
    assert set(User.objects.values_list("username", flat=True)) >= {"admin", "clerk", "official", "clerk_500242100"}
    assert {"liaoning-2019", "fuxin-2016", "ewenki-2023", "youyang-2017"} <= set(
        Policy.objects.values_list("code", flat=True))
    assert set(Enrollment.objects.values_list("year", flat=True).distinct()).__len__() == 2
    health = (DoctorContract.objects.count(), HealthCard.objects.count(), TreatmentCase.objects.count(),
              TwoDiseaseRecognition.objects.count())
    assert health[0] > 300 and health[1] > 600 and health[2:] == (40, 30)
    call_command("load_demo", stderr=StringIO())
    assert counts == (Beneficiary.objects.count(), Household.objects.count(), CategoryHolding.objects.count(),
                      Enrollment.objects.count(), Claim.objects.count(), Settlement.objects.count(),
                      User.objects.count(), Policy.objects.count())
    assert health == (DoctorContract.objects.count(), HealthCard.objects.count(), TreatmentCase.objects.count(),
                      TwoDiseaseRecognition.objects.count())
    clerk = User.objects.get(username="clerk_500242100")
    assert clerk.check_password("Youyang-2026") and clerk.role == "clerk"
    assert set(Beneficiary.objects.visible_to(clerk).values_list("village__parent_id", flat=True)) == {"500242100"}
