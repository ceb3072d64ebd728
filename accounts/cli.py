"""What every management command that acts for a user has in common (commands.md, "Common rules").

``--user`` picks the acting user (the built-in ``system`` account without it), ``--json`` prints
exactly one JSON object on standard output, and refused input exits with status 2 and a message
on standard error, writing nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import command_user
from regions.codes import AreaCodeError
from spreadsheets.reading import SpreadsheetError


def refused(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def validation_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "\n".join(f"{field}：{message}" if field != "__all__" else message
                         for field, errors in exc.message_dict.items() for message in errors)
    return "\n".join(exc.messages)


class UserCommand(BaseCommand):
    """Subclasses implement ``run(user, **options)`` (``user`` is the acting User) returning the dict ``--json`` prints."""

    json_option = True

    def add_arguments(self, parser):
        parser.add_argument("--user", help="以该用户身份执行（记录为其操作，并限于其管辖区域）")
        if self.json_option:
            parser.add_argument("--json", action="store_true", help="在标准输出打印一个 JSON 对象")
        self.add_command_arguments(parser)

    def add_command_arguments(self, parser):
        pass

    def read_file(self, path: str) -> bytes:
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise refused(f"无法读取文件“{path}”：{exc.strerror}") from None

    def handle(self, *args, **options):
        try:
            user = command_user(options.pop("user", None))
            result = self.run(user, **options)
        except (ValidationError, SpreadsheetError, AreaCodeError) as exc:
            text = validation_text(exc) if isinstance(exc, ValidationError) else str(exc)
            raise refused(text) from None
        if options.get("json"):
            self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))
        else:
            self.stderr.write(self.summary(result))

    def run(self, user, **options) -> dict:
        raise NotImplementedError

    def summary(self, result: dict) -> str:
        return "，".join(f"{key}：{value}" for key, value in result.items())
