from pathlib import Path

from django.db import DEFAULT_DB_ALIAS

from operations.backups import backup_create
from operations.cli import OperatorCommand
from spreadsheets.limits import size_text


class Command(OperatorCommand):
    help = ("备份数据库（PostgreSQL 用 pg_dump，SQLite 用在线备份，服务器运行时也一致）和 MEDIA_ROOT 下的文件"
            "（上传的名单、扫描件、导出文件）到一个 tar 文件，附清单（各表行数、金额校验值、迁移状态）。"
            "由服务器运维人员运行（docs/backup.md）。")

    def add_command_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="备份目录（默认 var/backups；不存在则创建）")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS,
                            help="settings.DATABASES 中的数据库（默认 default）")

    def run(self, *, output, database, **options) -> dict:
        return backup_create(output_dir=output, using=database)

    def summary(self, result: dict) -> str:
        return (f"备份完成：{result['archive']}（{size_text(result['bytes'])}）；{result['vendor']} 数据库 "
                f"{result['tables']} 张表共 {result['rows']} 行，{result['media_files']} 个文件。")
