"""What the employment commands share beyond the registry's (beneficiaries/cli.py): the placement in force of the
person an ID number names, and the permission their lists and tables are read with."""

from __future__ import annotations

from accounts.cli import refused
from beneficiaries.cli import person_of
from employment.models import Placement

VIEW = "employment.view_childsurvey"


def open_placement(user, id_number: str) -> Placement:
    """The placement in force of the person ``id_number`` names (a child holds one at a time)."""
    person = person_of(user, id_number)
    found = Placement.objects.filter(person=person, ends_on__isnull=True).first()
    if found is None:
        raise refused(f"{person.name} 没有在岗的安置。")
    return found
