from accounts.cli import UserCommand, refused
from rosters.models import RosterBatch
from rosters.services import roster_batch_revert


class Command(UserCommand):
    help = "撤销一个已应用的名单比对批次；只有同一来源、同一区域最近应用的批次可以撤销。"

    def add_command_arguments(self, parser):
        parser.add_argument("batch", type=int, help="批次编号")

    def run(self, user, *, batch, **options):
        try:
            found = RosterBatch.objects.get(pk=batch)
        except RosterBatch.DoesNotExist:
            raise refused(f"批次 #{batch} 不存在。") from None
        reverted = roster_batch_revert(user=user, batch=found)
        return {"batch": reverted.pk, "status": reverted.status}

    def summary(self, result):
        return f"批次 #{result['batch']} 已撤销。"
