from __future__ import annotations

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


@transaction.atomic
def user_save(*, actor: User, user: User, password: str | None = None) -> User:
    """Create or change a user within the actor's area; only administrators manage users.

    The role decides admin-site access (is_staff) so that the two can never disagree.
    """
    if actor.role != Role.ADMIN and not actor.is_superuser:
        raise ValidationError("只有管理员可以管理用户。", code="not_admin")
    if user.area_id is None and not actor.is_superuser and actor.area_id is not None:
        raise ValidationError({"area": "请选择管辖区域。"}, code="area_required")
    if user.area_id is not None and not actor.can_see_code(user.area_id):
        raise ValidationError({"area": "只能把用户分配到您自己的管辖区域之内。"}, code="outside_area")
    if password:
        validate_password(password, user)
        user.set_password(password)
    user.is_staff = user.role == Role.ADMIN or user.is_superuser
    user.full_clean(exclude=["password"])
    user.save()
    return user


def access_log_record(*, user: User, action: str, object_id: str = "", detail: str = "", rows: int | None = None):
    return AccessLog.objects.create(user=user, action=action, object_id=object_id, detail=detail[:500], rows=rows)
