"""``manage.py labour_capacity --id-number N --capacity able|weak|none``: a person's labour capacity recorded."""

from accounts.cli import UserCommand
from beneficiaries.cli import person_of, required
from beneficiaries.models import LabourCapacity
from beneficiaries.services import labour_capacity_set


class Command(UserCommand):
    help = "登记劳动能力：able 有劳动能力，weak 弱劳动能力，none 无劳动能力。"

    def add_command_arguments(self, parser):
        parser.add_argument("--id-number", help="身份证号")
        parser.add_argument("--capacity", choices=LabourCapacity.values, help="劳动能力")

    def run(self, user, *, id_number, capacity, **options):
        required({"id_number": id_number, "capacity": capacity}, "id_number", "capacity", doing="登记劳动能力")
        person = labour_capacity_set(user=user, person=person_of(user, id_number), capacity=capacity)
        return {"id_number": person.id_number, "name": person.name, "labour_capacity": person.labour_capacity}

    def summary(self, result):
        return f"{result['name']}：{LabourCapacity(result['labour_capacity']).label}。"
