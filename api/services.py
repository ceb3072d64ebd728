"""Partners and their keys: created, changed, rotated and revoked by an administrator of the area, each
change recorded (django-simple-history); and the record of every call."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import area_within, ensure_permitted
from api.keys import new_key
from api.models import Partner, PartnerCall, Scope
from regions.models import Region

MANAGE = "api.manage_partner"
NO_SCOPE = "请至少选择一项权限范围。"
UNKNOWN_SCOPE = "“{scope}”不是权限范围，应为 {known}。"
AREA_OUTSIDE = "只能把对接系统限定在您自己的管辖区域之内。"
REVOKED = "对接系统“{name}”的密钥已吊销，不能再修改或轮换；请新建一个对接系统。"


@dataclass(frozen=True)
class IssuedKey:
    """A partner with the key just issued to it: the only moment the whole key is known."""

    partner: Partner
    key: str


def account_role(scopes: list[str]) -> str:
    """The role a partner's account needs for its scopes (accounts/roles.py): rosters are applied by
    administrators, bills settled by clerks; reading needs no more than 查询."""
    if Scope.PUSH_ROSTERS in scopes:
        return Role.ADMIN
    if Scope.PUSH_SETTLEMENTS in scopes:
        return Role.CLERK
    return Role.VIEWER


def _clean(actor: User, partner: Partner) -> None:
    errors = {}
    if not partner.scopes:
        errors["scopes"] = NO_SCOPE
    known = set(Scope.values)
    for scope in partner.scopes:
        if scope not in known:
            errors["scopes"] = UNKNOWN_SCOPE.format(scope=scope, known=" / ".join(Scope.values))
    if not partner.name.strip():
        errors["name"] = "请填写名称。"
    elif Partner.objects.filter(name=partner.name.strip()).exclude(pk=partner.pk).exists():
        errors["name"] = f"已有名为“{partner.name.strip()}”的对接系统。"
    if partner.kind not in Partner.Kind.values:
        errors["kind"] = f"“{partner.kind}”不是对接系统类型，应为 {' / '.join(Partner.Kind.values)}。"
    if not partner.area_id:
        errors["area"] = "请选择区域。"
    else:
        try:
            area_within(actor, partner.area_id, outside=AREA_OUTSIDE)
        except ValidationError as exc:
            errors["area"] = exc.messages[0]
        if not Region.objects.filter(code=partner.area_id).exists():
            errors["area"] = f"区划代码 {partner.area_id} 不存在。"
    if partner.rate_limit < 1:
        errors["rate_limit"] = "每分钟调用上限应为正整数。"
    if errors:
        raise ValidationError(errors, code="bad_partner")


def _sync_account(partner: Partner, actor: User) -> None:
    account = partner.account
    account.first_name, account.last_name = partner.name, ""
    account.role, account.area_id = account_role(partner.scopes), partner.area_id
    account.unit = partner.get_kind_display()
    account.is_active = partner.active
    account._history_user = actor
    account.save()


@transaction.atomic
def partner_save(*, actor: User, partner: Partner) -> IssuedKey | None:
    """Create a partner (returning its first key) or save a change to its name, kind, area, scopes or limit."""
    ensure_permitted(actor, MANAGE, "管理接口对接系统")
    partner.name = partner.name.strip()
    partner.scopes = list(dict.fromkeys(partner.scopes))
    _clean(actor, partner)
    created = partner.pk is None
    if not created:
        current = Partner.objects.select_for_update().get(pk=partner.pk)
        area_within(actor, current.area_id, outside=AREA_OUTSIDE)
        if not current.active:
            raise ValidationError(REVOKED.format(name=current.name), code="revoked")
    issued = None
    if created:
        key = new_key()
        account = User(username=f"api-{key.prefix}", is_active=True)
        account.set_unusable_password()
        partner.account, partner.created_by = _saved_account(account, actor), actor
        partner.key_prefix, partner.key_digest, partner.key_issued_at = key.prefix, key.digest, timezone.now()
        issued = IssuedKey(partner, key.key)
    _sync_account(partner, actor)
    partner._history_user = actor
    partner.save()
    return issued


def _saved_account(account: User, actor: User) -> User:
    account._history_user = actor
    account.save()
    return account


def _managed(actor: User, partner: Partner, action: str) -> Partner:
    ensure_permitted(actor, MANAGE, action)
    current = Partner.objects.select_for_update().get(pk=partner.pk)
    area_within(actor, current.area_id, outside=AREA_OUTSIDE)
    return current


@transaction.atomic
def partner_rotate_key(*, actor: User, partner: Partner) -> IssuedKey:
    """A new key for the partner; the old one stops working at once."""
    current = _managed(actor, partner, "轮换接口密钥")
    if not current.active:
        raise ValidationError(REVOKED.format(name=current.name), code="revoked")
    key = new_key()
    current.key_prefix, current.key_digest, current.key_issued_at = key.prefix, key.digest, timezone.now()
    current._history_user = actor
    current._change_reason = "轮换密钥"
    current.save()
    return IssuedKey(current, key.key)


@transaction.atomic
def partner_revoke(*, actor: User, partner: Partner, reason: str) -> Partner:
    """End the partner's key for good (the partner and its calls are kept)."""
    current = _managed(actor, partner, "吊销接口密钥")
    if not reason.strip():
        raise ValidationError({"reason": "请填写吊销原因。"}, code="reason_required")
    if not current.active:
        raise ValidationError(f"对接系统“{current.name}”的密钥已吊销。", code="already_revoked")
    current.revoked_at = timezone.now()
    current._history_user = actor
    current._change_reason = f"吊销：{reason.strip()}"
    current.save()
    _sync_account(current, actor)
    return current


def partner_call_record(**fields) -> PartnerCall:
    """Record one call; written outside the call's own transaction, so a refused batch is still recorded."""
    fields["detail"] = fields.get("detail", "")[:500]
    return PartnerCall.objects.create(**fields)
