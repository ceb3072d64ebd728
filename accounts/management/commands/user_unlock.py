from django.core.exceptions import ValidationError

from accounts.cli import UserCommand
from accounts.models import User
from accounts.services import user_unlock


class Command(UserCommand):
    help = "解除一个用户的登录锁定：清除其失败登录记录（与“用户”页面的“解除锁定”相同，只限管理员的管辖区域）。"

    def add_command_arguments(self, parser):
        parser.add_argument("username")

    def run(self, actor, *, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise ValidationError(f"用户“{username}”不存在。")
        return {"username": username, "removed": user_unlock(actor=actor, user=user)}

    def summary(self, result):
        return f"已解除 {result['username']} 的登录锁定（清除 {result['removed']} 条失败登录记录）。"
