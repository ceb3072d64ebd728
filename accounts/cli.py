"""What every management command that acts for a user has in common (commands.md, "Common rules").

``--user`` picks the acting user (the built-in ``system`` account without it), ``--json`` prints
exactly one JSON object on standard output, and refused input exits with status 2 and a message
on standard error, writing nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import command_user
from regions.codes import AreaCodeError
from spreadsheets.errors import SpreadsheetError
from spreadsheets.formats import TOO_LARGE
from spreadsheets.limits import Limits, size_text


def refused(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def option_out(text: str | None, *, required: bool = True) -> Path | None:
    """The ``--out`` Excel file: a .xlsx name in a folder that exists (None when optional and absent)."""
    if not text:
        if required:
            raise refused("请用 --out 指定输出文件（.xlsx）。")
        return None
    path = Path(text)
    if path.suffix.lower() != ".xlsx":
        raise refused(f"--out：输出文件“{text}”应以 .xlsx 结尾。")
    if not path.parent.is_dir():
        raise refused(f"--out：目录“{path.parent}”不存在。")
    return path


def validation_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "\n".join(f"{field}：{message}" if field != "__all__" else message
                         for field, errors in exc.message_dict.items() for message in errors)
    return "\n".join(exc.messages)


class UserCommand(BaseCommand):
    """Subclasses implement ``run(user, **options)`` (``user`` is the acting User) returning the dict ``--json`` prints."""

    json_option = True
    # The system checks import every view and URL (a second of a command that may run monthly on a hundred
    # thousand rows); bin/serve and the tests run them, on the same code and settings.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--user", help="以该用户身份执行（记录为其操作，并限于其管辖区域）")
        if self.json_option:
            parser.add_argument("--json", action="store_true", help="在标准输出打印一个 JSON 对象")
        self.add_command_arguments(parser)

    def add_command_arguments(self, parser):
        pass

    def read_file(self, path: str) -> bytes:
        """The file's bytes, refused past ``UPLOAD_MAX_BYTES`` before it is read (as an upload would be)."""
        limit = Limits.from_settings().file_bytes
        try:
            with open(path, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size  # a pipe says 0: what is read is counted too
                content = handle.read(limit + 1) if size <= limit else b""
        except OSError as exc:
            raise refused(f"无法读取文件“{path}”：{exc.strerror}") from None
        if size > limit or len(content) > limit:
            shown = size_text(size) if size > limit else f"{size_text(limit)} 以上"
            raise refused(TOO_LARGE.format(name=path, size=shown, limit=size_text(limit)))
        return content

    def rows_refused(self, result: dict, *, file: str, json_wanted: bool) -> CommandError:
        """An all-or-nothing import that met bad rows: its report is still the one JSON object (with
        ``--json``), and the refusal names every row (up to 50), with exit status 2."""
        if json_wanted:
            self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))
        lines = [f"第 {e['row']} 行“{e['column']}”列：{e['message']}" for e in result["errors"]]
        return refused(f"文件“{file}”有 {len(lines)} 处错误，未写入任何数据：\n" + "\n".join(lines[:50]))

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
