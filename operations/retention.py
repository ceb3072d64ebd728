"""Audit records (the history of every record, the access log with its exports and the API's calls, the login
records) are kept ``settings.AUDIT_RETENTION_DAYS`` days, at least 180: every command that deletes them takes an
age and refuses one younger than that. The cleanup commands of django-simple-history and django-axes are replaced
by commands of the same names in this app (listed before them in INSTALLED_APPS) that check the age first."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AccessLog
from api.models import PartnerCall

TOO_YOUNG = ("{option} {days}：审计记录（历史记录、访问日志、导出日志、登录记录）至少保存 {keep} 天，"
             "只能清理 {keep} 天以前的记录；请用 {option} {keep} 或更大的天数。")
DUPLICATES_KEPT = ("clean_duplicate_history 已停用：它删除任何时间的历史记录（包括昨天的），而一条没有改动的历史"
                   "也记着谁在何时保存过，--excluded_fields 还会删掉确有改动的记录。审计记录至少保存 {keep} 天；"
                   "清理 {keep} 天以前的历史请用 clean_old_history --auto --days {keep}。")


def retention_days() -> int:
    return settings.AUDIT_RETENTION_DAYS


def retention_check(days: int, *, option: str = "--days") -> datetime.datetime:
    """The moment before which records may go, for a cleanup of records older than ``days`` days; refused when
    that would reach records younger than the retention period."""
    keep = retention_days()
    if days < keep:
        raise ValidationError(TOO_YOUNG.format(option=option, days=days, keep=keep), code="too_young")
    return timezone.now() - datetime.timedelta(days=days)


def access_log_clean(*, days: int, dry_run: bool = False) -> dict[str, int]:
    """Delete the access-log records (person pages opened, exports) and the record of the API's calls older than
    ``days`` days; how many of each."""
    moment = retention_check(days)
    old = {"access_log": AccessLog.objects.filter(at__lt=moment), "partner_calls": PartnerCall.objects.filter(
        at__lt=moment)}
    if dry_run:
        return {name: records.count() for name, records in old.items()}
    return {name: records.delete()[0] for name, records in old.items()}
