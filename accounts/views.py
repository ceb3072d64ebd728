"""Users in the product's own pages, for administrators: the users of their area, a user created or changed
through ``accounts.services.user_save`` (name in one field, role, area by name, active, password), a lockout
ended through ``user_unlock``, and each user's history."""

from __future__ import annotations

from collections import Counter

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.forms import UserForm
from accounts.models import Role, User
from accounts.selectors import user_search, users_managed
from accounts.services import failed_logins, user_save, user_unlock
from beneficiaries.selectors import history_entries
from beneficiaries.views import apply_service

MANAGE = "accounts.change_user"
PER_PAGE = 50


@permission_required(MANAGE, raise_exception=True)
def user_list(request):
    users = users_managed(request.user)
    query = request.GET.get("q", "")
    users = user_search(users, query)
    role = request.GET.get("role", "")
    if role in Role.values:
        users = users.filter(role=role)
    page = Paginator(users, PER_PAGE).get_page(request.GET.get("page"))
    failures = Counter()
    for username, count in AccessAttempt.objects.filter(
        username__in=[user.username for user in page]
    ).values_list("username", "failures_since_start"):
        failures[username] += count
    rows = [(user, failures[user.username]) for user in page]
    return render(request, "accounts/user_list.html", {
        "page": page, "rows": rows, "q": query, "role": role, "roles": Role.choices,
        "limit": settings.AXES_FAILURE_LIMIT,
    })


@permission_required(MANAGE, raise_exception=True)
def user_new(request):
    form = UserForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        user = apply_service(form, lambda: user_save(
            actor=request.user, user=form.user(), password=form.cleaned_data["password"], reason="新建用户"))
        if user is not None:
            messages.success(request, f"已新建用户 {user}。")
            return redirect("user_edit", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "title": "新建用户"})


@permission_required(MANAGE, raise_exception=True)
def user_edit(request, pk):
    user = get_object_or_404(users_managed(request.user), pk=pk)
    form = UserForm(request.POST or None, instance=user, actor=request.user)
    if request.method == "POST" and form.is_valid():
        saved = apply_service(form, lambda: user_save(
            actor=request.user, user=form.user(), password=form.cleaned_data["password"] or None))
        if saved is not None:
            messages.success(request, f"已保存用户 {saved}。")
            return redirect("user_edit", pk=saved.pk)
    if request.method == "POST":
        user.refresh_from_db()  # the form wrote into it; the page shows the user as stored
    return render(request, "accounts/user_form.html", {
        "form": form, "title": f"用户 {user}", "account": user,
        "failures": failed_logins(user), "limit": settings.AXES_FAILURE_LIMIT,
        "history": history_entries(User.history.filter(id=user.pk), lambda record: "账号", keep_reasons=True),
    })


@require_POST
@permission_required(MANAGE, raise_exception=True)
def user_unlock_view(request, pk):
    user = get_object_or_404(users_managed(request.user), pk=pk)
    try:
        removed = user_unlock(actor=request.user, user=user)
    except ValidationError as exc:
        raise PermissionDenied("；".join(exc.messages)) from None
    if removed:
        messages.success(request, f"已解除 {user} 的登录锁定（清除 {removed} 条失败登录记录）。")
    else:
        messages.info(request, f"{user} 没有失败登录记录，无需解锁。")
    return redirect("user_edit", pk=user.pk)
