"""Partners in the product's own pages, for administrators: the partners of their area, one created or changed
through ``api.services.partner_save``, its key rotated or revoked, its history and its recent calls.

A key is known only in the response to the POST that issued it (create, rotate): rendered there, never put
in a redirect, a message or the session, and the page is not cached (config.security.NoStoreMiddleware)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from api.forms import PartnerForm, RevokeForm
from api.models import Partner
from api.selectors import partner_calls, partners_managed
from api.services import MANAGE, REVOKED, IssuedKey, partner_revoke, partner_rotate_key, partner_save
from beneficiaries.selectors import history_entries
from beneficiaries.views import apply_service

RECENT_CALLS = 50


def _partner(request, pk) -> Partner:
    return get_object_or_404(partners_managed(request.user), pk=pk)


def _issued(request, issued: IssuedKey, *, title: str):
    return render(request, "api/partners/key.html", {"partner": issued.partner, "key": issued.key, "title": title})


@permission_required(MANAGE, raise_exception=True)
def partner_list(request):
    return render(request, "api/partners/list.html", {"partners": partners_managed(request.user)})


@permission_required(MANAGE, raise_exception=True)
def partner_new(request):
    form = PartnerForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        issued = apply_service(form, lambda: partner_save(actor=request.user, partner=form.partner()))
        if issued is not None:
            return _issued(request, issued, title=f"已新建对接系统“{issued.partner.name}”")
    return render(request, "api/partners/form.html", {"form": form, "title": "新建对接系统"})


@permission_required(MANAGE, raise_exception=True)
def partner_detail(request, pk):
    partner = _partner(request, pk)
    return render(request, "api/partners/detail.html", {
        "partner": partner,
        "calls": partner_calls(request.user, partner=partner)[:RECENT_CALLS], "recent": RECENT_CALLS,
        "history": history_entries(Partner.history.filter(id=partner.pk), lambda record: "对接系统",
                                   keep_reasons=True),
    })


@permission_required(MANAGE, raise_exception=True)
def partner_edit(request, pk):
    partner = _partner(request, pk)
    if not partner.active:
        messages.error(request, REVOKED.format(name=partner.name))
        return redirect("partners:detail", pk=partner.pk)
    title = f"修改对接系统“{partner.name}”"  # as stored: a refused POST has written into the instance
    form = PartnerForm(request.POST or None, instance=partner, actor=request.user)
    if request.method == "POST" and form.is_valid():
        apply_service(form, lambda: partner_save(actor=request.user, partner=form.partner()))
        if not form.errors:  # a change returns no key: the service's refusal shows as the form's errors
            messages.success(request, f"已保存对接系统“{partner.name}”。")
            return redirect("partners:detail", pk=partner.pk)
    return render(request, "api/partners/form.html", {"form": form, "title": title, "partner": partner})


@require_POST
@permission_required(MANAGE, raise_exception=True)
def partner_rotate(request, pk):
    partner = _partner(request, pk)
    try:
        issued = partner_rotate_key(actor=request.user, partner=partner)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("partners:detail", pk=partner.pk)
    return _issued(request, issued, title=f"已轮换“{partner.name}”的密钥")


@permission_required(MANAGE, raise_exception=True)
def partner_revoke_view(request, pk):
    partner = _partner(request, pk)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        revoked = apply_service(form, lambda: partner_revoke(
            actor=request.user, partner=partner, reason=form.cleaned_data["reason"]))
        if revoked is not None:
            messages.success(request, f"已吊销“{partner.name}”的密钥；其调用一律被拒绝，记录保留。")
            return redirect("partners:detail", pk=partner.pk)
    return render(request, "api/partners/revoke.html", {"partner": partner, "form": form})
