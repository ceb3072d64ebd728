from __future__ import annotations

from axes.models import AccessAttempt
from axes.utils import reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import SYSTEM_USERNAME, AccessLog, Role, User
from regions.codes import AreaCodeError, area_prefix

NOT_PERMITTED = "您的角色（{role}）不能{action}。"
OUTSIDE_AREA = "区域 {area} 不在您的管辖区域内。"


def system_user() -> User:
    """The built-in account that commands act as without ``--user``: no area limit, cannot sign in."""
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"role": Role.ADMIN, "first_name": "系统", "is_active": True},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def command_user(username: str | None) -> User:
    """The user a management command acts for (``--user``), refusing unknown or disabled accounts."""
    if not username:
        return system_user()
    try:
        user = User.objects.select_related("area").get(username=username)
    except User.DoesNotExist:
        raise ValidationError(f"用户“{username}”不存在。", code="unknown_user") from None
    if not user.is_active:
        raise ValidationError(f"用户“{username}”已停用。", code="inactive_user")
    return user


def ensure_in_area(user: User, code: str, what: str = "该记录") -> None:
    if not user.can_see_code(code):
        raise ValidationError(f"{what}不在您的管辖区域内。", code="outside_area")


def save_as(instance, user: User, **kwargs):
    """Save ``instance`` as done by ``user``: its history row names them (django-simple-history)."""
    instance._history_user = user
    instance.save(**kwargs)
    return instance


def refuse(problems, field: str | None = None) -> None:
    """Refuse with ``problems`` (a list of messages, about ``field`` when given; or messages by field), if any."""
    if problems:
        raise ValidationError({field: problems} if field and isinstance(problems, list) else problems)


def ensure_permitted(user: User, permission: str, action: str) -> None:
    """Refuse what the user's role does not allow, naming the action.

    Every service that changes something calls this itself, so that the browser, the admin, the
    commands and any later API are held by the same rule (accounts/roles.py).
    """
    if not user.has_perm(permission):
        raise ValidationError(
            NOT_PERMITTED.format(role=user.get_role_display(), action=action), code="not_permitted"
        )


def area_within(user: User, code: str | None, *, outside: str = OUTSIDE_AREA) -> str:
    """The code prefix an area option names (the user's own area when none is given), refused when
    malformed or outside the user's area (``outside`` saying so, with ``{area}``)."""
    if not code:
        return user.area_prefix
    try:
        prefix = area_prefix(code)
    except AreaCodeError as exc:
        raise ValidationError(str(exc), code="bad_area") from None
    if not prefix.startswith(user.area_prefix):
        raise ValidationError(outside.format(area=code), code="outside_area")
    return prefix


ROLE_RANK = {Role.VIEWER: 0, Role.CLERK: 1, Role.ADMIN: 2}
NOT_ADMIN = "只有管理员可以管理用户。"
USER_OUTSIDE_AREA = "用户 {username} 不在您的管辖区域内。"
AREA_REQUIRED = "请选择管辖区域。"
AREA_OUTSIDE = "只能把用户分配到您自己的管辖区域之内。"
ROLE_ABOVE = "不能授予高于您自己角色（{role}）的角色。"
OWN_ACCOUNT = "不能停用自己的账号，也不能改变自己的角色或管辖区域：请另一位管理员操作。"
PARTNER_ACCOUNT = "{username} 是接口对接系统的账号，不是人员的账号：请在“接口对接”页面管理该系统。"


def _ensure_manages(actor: User, user: User) -> None:
    """Only administrators manage users, and only users of their own area (as stored, before a change)."""
    if actor.role != Role.ADMIN and not actor.is_superuser:
        raise ValidationError(NOT_ADMIN, code="not_admin")
    if user.pk is None:
        return
    # A partner's account follows its partner (api.services: role from its scopes, no password, no sign-in).
    if User.objects.filter(pk=user.pk, partner__isnull=False).exists():
        raise ValidationError(PARTNER_ACCOUNT.format(username=user.username), code="partner_account")
    if actor.is_superuser:
        return
    stored = User.objects.filter(pk=user.pk).values_list("area_id", flat=True).first()
    if actor.area_id is not None and (stored is None or not actor.can_see_code(stored)):
        raise ValidationError(USER_OUTSIDE_AREA.format(username=user.username), code="outside_area")


@transaction.atomic
def user_save(*, actor: User, user: User, password: str | None = None, reason: str = "") -> User:
    """Create or change a user within the actor's area, with a role no higher than the actor's; only
    administrators manage users. The change is recorded in the user's history (``reason`` with it).

    The role decides admin-site access (is_staff) so that the two can never disagree.
    """
    _ensure_manages(actor, user)
    if user.area_id is None and not actor.is_superuser and actor.area_id is not None:
        raise ValidationError({"area": AREA_REQUIRED}, code="area_required")
    if user.area_id is not None and not actor.can_see_code(user.area_id):
        raise ValidationError({"area": AREA_OUTSIDE}, code="outside_area")
    if not actor.is_superuser and ROLE_RANK.get(user.role, 0) > ROLE_RANK.get(actor.role, 0):
        raise ValidationError({"role": ROLE_ABOVE.format(role=actor.get_role_display())}, code="role_above")
    if user.pk is not None and user.pk == actor.pk and (
        not user.is_active or user.role != actor.role or user.area_id != actor.area_id
    ):
        raise ValidationError(OWN_ACCOUNT, code="own_account")
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}, code="bad_password") from None
        user.set_password(password)
        reason = "；".join(filter(None, [reason, "设置了密码"]))
    user.is_staff = user.role == Role.ADMIN or user.is_superuser
    user.full_clean(exclude=["password"])
    user._history_user = actor
    user._change_reason = reason[:100] or None
    user.save()
    return user


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> int:
    """End a lockout: django-axes forgets the user's failed logins (from every address); recorded in the
    user's history. Returns how many attempt records were removed."""
    _ensure_manages(actor, user)
    removed = reset(username=user.username)
    user._history_user = actor
    user._change_reason = f"解除登录锁定（清除 {removed} 条失败登录记录）"
    user.save()
    return removed


def failed_logins(user: User) -> int:
    """The failed logins django-axes counts against the user now (a lockout at AXES_FAILURE_LIMIT)."""
    return sum(AccessAttempt.objects.filter(username=user.username).values_list("failures_since_start", flat=True))


def access_log_record(*, user: User, action: str, object_id: str = "", detail: str = "", rows: int | None = None):
    return AccessLog.objects.create(user=user, action=action, object_id=object_id, detail=detail[:500], rows=rows)
