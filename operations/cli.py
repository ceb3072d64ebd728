"""What the operator's commands have in common: they act on the whole server, not for a user of an area, so
they take no ``--user`` (whoever runs them already holds the database's credentials); ``--json`` prints one
JSON object on standard output; a refusal exits 2 having written nothing, a failed step exits 1."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.cli import refused, validation_text
from operations.databases import OperationFailed
from operations.retention import retention_check, retention_days


class OperatorCommand(BaseCommand):
    """Subclasses implement ``run(**options)``, returning the dict ``--json`` prints, and ``summary(result)``:
    the line written to standard error otherwise."""

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="在标准输出打印一个 JSON 对象")
        self.add_command_arguments(parser)

    def add_command_arguments(self, parser):
        pass

    def handle(self, *args, **options):
        try:
            result = self.run(**options)
        except ValidationError as exc:
            raise refused(validation_text(exc)) from None
        except OperationFailed as exc:
            if options["json"] and exc.result is not None:
                self.print_json(exc.result)
            raise CommandError(str(exc), returncode=1) from None
        if options["json"]:
            self.print_json(result)
        else:
            self.stderr.write(self.summary(result))

    def print_json(self, result: dict) -> None:
        self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))

    def run(self, **options) -> dict:
        raise NotImplementedError

    def summary(self, result: dict) -> str:
        raise NotImplementedError


class RetentionGuard:
    """Mixed into a library's cleanup command: its age option (``age_option``, the option's dest) defaults to
    the retention period and is refused (exit 2, nothing deleted) below it."""

    age_option = "days"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        keep = retention_days()
        parser.set_defaults(**{self.age_option: keep})
        action = next(action for action in parser._actions if action.dest == self.age_option)
        action.help = f"只删除早于这么多天的记录（默认且最少：{keep} 天，AUDIT_RETENTION_DAYS）"

    def handle(self, *args, **options):
        try:
            retention_check(options[self.age_option], option=f"--{self.age_option}")
        except ValidationError as exc:
            raise refused(validation_text(exc)) from None
        return super().handle(*args, **options)
