from pathlib import Path

from django.db import DEFAULT_DB_ALIAS

from operations.backups import restore_apply, restore_plan
from operations.cli import OperatorCommand


class Command(OperatorCommand):
    help = ("把 backup 生成的备份恢复到一个空数据库（DATABASE_URL 所指）和 MEDIA_ROOT，再按清单核对各表行数和金额"
            "校验值；不加 --yes 只检查备份和目标、不写入。目标数据库有任何表、或 MEDIA_ROOT 中已有同名文件时拒绝。"
            "由服务器运维人员运行（docs/backup.md）。")

    def add_command_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="备份文件（backup-YYYYmmdd-HHMMSS.tar）")
        parser.add_argument("--yes", action="store_true", help="确认恢复；不加时只检查，不写入")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS,
                            help="settings.DATABASES 中的数据库（默认 default）")

    def run(self, *, archive, yes, database, **options) -> dict:
        with restore_plan(archive=archive, using=database) as plan:
            return restore_apply(plan) if yes else plan.summary

    def summary(self, result: dict) -> str:
        what = (f"备份 {result['archive']}（{result['created_at']}）：{result['tables']} 张表共 {result['rows']} 行，"
                f"{result['media_files']} 个文件")
        if not result["applied"]:
            return f"检查通过，未写入。{what}，可以恢复到 {result['database']}；确认恢复请加 --yes。"
        text = f"恢复完成并已核对：{what} → {result['database']}，各表行数与金额校验值均与备份一致。"
        if result["pending_migrations"]:
            text += f"程序比备份新 {len(result['pending_migrations'])} 个数据库迁移，请运行 manage.py migrate。"
        return text
