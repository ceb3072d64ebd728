"""Audit records (history, the access and export log, login records) are kept at least 180 days: every command
that deletes them refuses an age below that (exit 2, nothing deleted), deletes only older records otherwise,
and defaults to the retention period instead of the libraries' 30 days."""

from __future__ import annotations

import datetime
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessFailureLog
from axes.models import AccessLog as LoginLog
from django.core.management import CommandError, call_command, get_commands
from django.utils import timezone

from accounts.models import AccessLog
from accounts.services import access_log_record, system_user
from api.models import Partner, PartnerCall
from api.services import partner_save
from claims.models import Hospital

ROOT = Path(__file__).resolve().parents[2]
AGES = (250, 100, 10)  # days: past any allowed age, inside 180 days but past the libraries' 30, recent


def ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def hospital_history():
    """One hospital's history record at each age (the records of its creation, moved back in time)."""
    for days in AGES:
        Hospital.objects.create(name=f"医院{days}", level="county")
        Hospital.history.filter(name=f"医院{days}").update(history_date=ago(days))
    return Hospital.history


def login_records(model):
    def make():
        for days in AGES:
            record = model.objects.create(user_agent="Firefox", ip_address="10.0.0.1", username=f"u{days}",
                                          http_accept="*/*", path_info="/login/")
            model.objects.filter(pk=record.pk).update(attempt_time=ago(days))
        return model.objects

    return make


def access_log():
    for days in AGES:
        record = access_log_record(user=system_user(), action=AccessLog.Action.EXPORT, object_id=f"{days}")
        AccessLog.objects.filter(pk=record.pk).update(at=ago(days))
    return AccessLog.objects


CLEANUPS = {
    "clean_old_history": (["--auto"], "--days", hospital_history),
    "axes_reset_logs": ([], "--age", login_records(LoginLog)),
    "axes_reset_failure_logs": ([], "--age", login_records(AccessFailureLog)),
    "clean_access_log": ([], "--days", access_log),
}


@pytest.mark.parametrize("command", CLEANUPS)
def test_a_cleanup_younger_than_180_days_is_refused_and_deletes_nothing(db, command):
    # given
    args, option, make = CLEANUPS[command]
    records = make()

    # when
    with pytest.raises(CommandError) as info:
        call_command(command, *args, f"{option}=30", stdout=io.StringIO())

    # then
    assert info.value.returncode == 2
    assert str(info.value).startswith(f"{option} 30：审计记录（历史记录、访问日志、导出日志、登录记录）至少保存 180 天")
    assert records.count() == len(AGES)


@pytest.mark.parametrize("age", [None, "200"], ids=["default age", "older than 200 days"])
@pytest.mark.parametrize("command", CLEANUPS)
def test_a_cleanup_deletes_only_records_older_than_the_retention_period(db, command, age):
    # given
    args, option, make = CLEANUPS[command]
    records = make()

    # when
    call_command(command, *args, *([f"{option}={age}"] if age else []), stdout=io.StringIO())

    # then: the 250-day-old record is gone, the 100-day-old one stays (the libraries' 30 days would take it)
    assert records.count() == len(AGES) - 1


def test_a_longer_retention_period_raises_the_least_age(db, settings):
    settings.AUDIT_RETENTION_DAYS = 365
    records = access_log()
    with pytest.raises(CommandError, match="至少保存 365 天") as info:
        call_command("clean_access_log", "--days=200")
    assert info.value.returncode == 2 and records.count() == len(AGES)


def test_removing_duplicate_history_is_refused_whatever_its_age(db):
    # given: a hospital saved twice without a change, long ago: two history records alike
    hospital = Hospital.objects.create(name="县医院", level="county")
    hospital.save()
    Hospital.history.update(history_date=ago(400))

    # when
    with pytest.raises(CommandError) as info:
        call_command("clean_duplicate_history", "--auto")

    # then
    assert info.value.returncode == 2 and "clean_duplicate_history 已停用" in str(info.value)
    assert Hospital.history.count() == 2


def test_the_projects_commands_replace_the_libraries_cleanups():
    # If INSTALLED_APPS listed the libraries first, their unguarded commands would run instead.
    commands = get_commands()
    assert {name: commands[name] for name in [*CLEANUPS, "clean_duplicate_history"]} == dict.fromkeys(
        [*CLEANUPS, "clean_duplicate_history"], "operations")


@pytest.mark.parametrize(("value", "outcome"), [("30", "不能小于 180"), ("365", "365")])
def test_the_environment_may_lengthen_the_retention_period_but_not_shorten_it(value, outcome):
    code = "from django.conf import settings; print(settings.AUDIT_RETENTION_DAYS)"
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "config.settings", "AUDIT_RETENTION_DAYS": value}
    process = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                             check=False, timeout=60)
    assert outcome in (process.stdout if value == "365" else process.stderr)
    assert (process.returncode == 0) == (value == "365")


def test_the_access_log_cleanup_takes_the_apis_old_call_records_too(db, county):
    partner = partner_save(actor=system_user(), partner=Partner(name="民政系统", kind="civil_affairs", area=county,
                                                                scopes=["people:read"])).partner
    for days in AGES:
        call = PartnerCall.objects.create(partner=partner, method="GET", endpoint="/api/v1/people/", status=200,
                                          outcome="ok")
        PartnerCall.objects.filter(pk=call.pk).update(at=ago(days))
    out = io.StringIO()
    call_command("clean_access_log", "--json", stdout=out)
    assert '"partner_calls": 1' in out.getvalue()
    assert sorted((timezone.now() - at).days for at in PartnerCall.objects.values_list("at", flat=True)) == [10, 100]
