"""``manage.py partner_save NAME [--new-name] [--kind] [--area] [--scopes a,b] [--rate-limit N] [--contact]``."""

from accounts.cli import refused
from api.cli import KeyCommand, partner_of
from api.models import Partner, Scope
from api.services import partner_save
from regions.codes import canonical


def scope_list(text: str) -> list[str]:
    scopes = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [scope for scope in scopes if scope not in Scope.values]
    if unknown:
        raise refused(f"--scopes：“{'、'.join(unknown)}”不是权限范围，应为 {','.join(Scope.values)} 中的一项或几项"
                      "（以逗号分隔）。")
    return scopes


class Command(KeyCommand):
    help = ("新建或修改一个接口对接系统（与“接口对接”页面相同的规则：只能由管理员操作，只限其管辖区域）。"
            "新建须给出 --kind、--area 和 --scopes，并签发密钥：密钥只显示这一次（不加 --json 时单独打印在标准输出）。"
            f"权限范围：{'、'.join(f'{value} {label}' for value, label in Scope.choices)}。")

    def add_command_arguments(self, parser):
        parser.add_argument("name", help="对接系统名称")
        parser.add_argument("--new-name", help="改名为")
        parser.add_argument("--kind", choices=Partner.Kind.values,
                            help=" / ".join(f"{value} {label}" for value, label in Partner.Kind.choices))
        parser.add_argument("--area", help="区域的区划代码：对接系统只能读写这一区域内的数据")
        parser.add_argument("--scopes", help="权限范围，以逗号分隔，如 people:read,settlements:write")
        parser.add_argument("--rate-limit", type=int, help="每分钟调用上限（默认 120）")
        parser.add_argument("--contact", help="联系人")

    def run(self, actor, *, name, new_name, kind, area, scopes, rate_limit, contact, **options):
        created = not Partner.objects.filter(name=name).exists()
        if created:
            missing = [flag for flag, value in (("--kind", kind), ("--area", area), ("--scopes", scopes)) if not value]
            if missing:
                raise refused(f"新建对接系统“{name}”须给出 {'、'.join(missing)}。")
            partner = Partner(name=name)
        else:
            partner = partner_of(actor, name)
        for field, value in (("name", new_name), ("kind", kind), ("rate_limit", rate_limit), ("contact", contact)):
            if value is not None:
                setattr(partner, field, value)
        if area is not None:
            partner.area_id = canonical(area)
        if scopes is not None:
            partner.scopes = scope_list(scopes)
        issued = partner_save(actor=actor, partner=partner)
        result = {"name": partner.name, "created": created, "kind": partner.kind, "area": partner.area_id,
                  "scopes": partner.scopes, "rate_limit": partner.rate_limit, "contact": partner.contact,
                  "key_prefix": partner.key_prefix, "account": partner.account.username, "active": partner.active}
        if issued is not None:
            result["key"] = issued.key
        return result

    def summary(self, result):
        if result["created"]:
            return super().summary(result)
        return f"已保存对接系统“{result['name']}”。"

    def done(self, result):
        return f"已新建对接系统“{result['name']}”（接口账号 {result['account']}，密钥前缀 {result['key_prefix']}）。"
