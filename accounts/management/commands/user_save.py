import sys

from accounts.cli import UserCommand, refused
from accounts.models import Role, User
from accounts.services import user_save
from regions.codes import canonical


class Command(UserCommand):
    help = ("新建或修改一个用户（与“用户”页面相同的规则：只能由管理员操作，只限其管辖区域）。"
            "新用户须给出 --name、--role、--area 和密码（--password-stdin 从标准输入读取）。")

    def add_command_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", help="姓名")
        parser.add_argument("--role", choices=Role.values, help="admin 管理员 / clerk 经办员 / viewer 查询")
        parser.add_argument("--area", help="管辖区域的区划代码")
        parser.add_argument("--unit", help="单位")
        parser.add_argument("--phone", help="联系电话")
        parser.add_argument("--active", choices=["yes", "no"], help="yes 启用 / no 停用")
        parser.add_argument("--password-stdin", action="store_true", help="从标准输入读取一行作为（新）密码")

    def run(self, actor, *, username, name, role, area, unit, phone, active, password_stdin, **options):
        user = User.objects.filter(username=username).first()
        created = user is None
        if created:
            missing = [flag for flag, value in (("--name", name), ("--role", role), ("--area", area),
                                                ("--password-stdin", password_stdin)) if not value]
            if missing:
                raise refused(f"新建用户 {username} 须给出 {'、'.join(missing)}。")
            user = User(username=username)
        for field, value in (("first_name", name), ("role", role), ("unit", unit), ("phone", phone)):
            if value is not None:
                setattr(user, field, value)
        if name is not None:
            user.last_name = ""
        if area is not None:
            user.area_id = canonical(area)
        if active is not None:
            user.is_active = active == "yes"
        password = sys.stdin.readline().rstrip("\n") if password_stdin else None
        user_save(actor=actor, user=user, password=password, reason="新建用户" if created else "")
        return {"username": user.username, "created": created, "role": user.role, "area": user.area_id,
                "active": user.is_active}

    def summary(self, result):
        return f"已{'新建' if result['created'] else '保存'}用户 {result['username']}。"
