"""What ``bin/serve`` does before it starts anything, in one process: check the settings (Django's checks
with its deployment checks, as ``check --deploy``, any warning counting as a failure, each explained in
Chinese with what to set), then migrate the database and collect the static files (and with ``--demo`` load
the demo county). Settings that fail the check stop it before anything is written (exit status 2)."""

from __future__ import annotations

from django.core import checks
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

# What each of Django's deployment warnings means here, and what to set (docs/deploy.md, "Environment").
EXPLANATIONS = {
    "security.W004": "未启用 HSTS：SECURE_HSTS_SECONDS 应为正数（默认 31536000，即一年），"
                     "让浏览器此后只用 HTTPS 访问本站。",
    "security.W008": "未启用 HTTPS 跳转：SECURE_SSL_REDIRECT 应为 1（默认）。由 nginx 提供 HTTPS 时请设置 "
                     "TRUSTED_PROXY_COUNT=1，而不是关闭跳转。",
    "security.W009": "SECRET_KEY 太短或太简单：应为至少 50 个字符、至少 5 种不同字符的随机值。不设置时 bin/serve "
                     "会生成一个并保存在 var/secret_key。",
    "security.W012": "会话 Cookie 未限定只经 HTTPS 发送（SESSION_COOKIE_SECURE）：DEBUG=0 时自动开启，"
                     "请设置 DEBUG=0。",
    "security.W016": "CSRF Cookie 未限定只经 HTTPS 发送（CSRF_COOKIE_SECURE）：DEBUG=0 时自动开启，"
                     "请设置 DEBUG=0。",
    "security.W018": "DEBUG 已开启：生产环境必须设置 DEBUG=0（出错页面会显示设置和数据）。",
    "security.W020": "ALLOWED_HOSTS 为空：应列出用户访问本站所用的域名或 IP 地址，以逗号分隔（例如 "
                     "ALLOWED_HOSTS=yb.example.gov.cn,192.168.1.10）。不设置时 bin/serve 使用本机的名称和地址。",
}
REFUSED = "生产设置检查未通过（{count} 项），服务未启动："
PASSED = "生产设置检查通过。"


def explain(message: checks.CheckMessage) -> str:
    """A failed check: its id, what is wrong and what to set (Django's own text where we have none)."""
    return f"[{message.id}] {EXPLANATIONS.get(message.id) or message.msg}"


class Command(BaseCommand):
    help = ("生产环境启动前的准备（bin/serve 调用）：检查生产设置（Django 的 check --deploy，警告也算不通过，"
            "逐项说明应如何设置；不通过时以状态 2 退出，什么也不做），然后迁移数据库、收集静态文件。")
    requires_system_checks = []  # the command runs them itself, deployment checks included

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只检查设置，不迁移、不收集静态文件")
        parser.add_argument("--demo", action="store_true", help="再载入演示县（试用；县里的正式数据库不要用）")

    def handle(self, *, check, demo, verbosity, **options):
        failed = sorted((message for message in checks.run_checks(include_deployment_checks=True)
                         if message.level >= checks.WARNING and not message.is_silenced()),
                        key=lambda message: message.id or "")
        if failed:
            lines = [REFUSED.format(count=len(failed)), *(f"  {explain(message)}" for message in failed)]
            raise CommandError("\n".join(lines), returncode=2)
        self.stdout.write(PASSED)
        if check:
            return
        output = {"verbosity": verbosity, "stdout": self.stdout, "stderr": self.stderr}
        call_command("migrate", interactive=False, **output)
        call_command("collectstatic", interactive=False, **output)
        if demo:
            call_command("load_demo", **output)
