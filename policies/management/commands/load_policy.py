import json

from accounts.cli import UserCommand, refused
from policies.services import policy_load
from spreadsheets.json_documents import load_json


class Command(UserCommand):
    help = "载入一份报销政策文件（JSON）；内容有变化时保存为新版本，没有变化时不做任何事。"

    def add_command_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--note", default="", help="修订说明")

    def run(self, user, *, file, note, **options):
        try:
            document = load_json(self.read_file(file).decode("utf-8"), file)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise refused(f"政策文件“{file}”不是有效的 UTF-8 JSON：{exc}") from None
        version, created = policy_load(user=user, document=document, note=note)
        return {"code": version.policy.code, "version": version.number, "created": created}

    def summary(self, result):
        state = "已保存为" if result["created"] else "内容未变化，仍为"
        return f"政策 {result['code']} {state}第 {result['version']} 版。"
