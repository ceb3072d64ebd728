"""Policies in the product's own pages: the list by region and year, a policy's versions (who, when, why),
what changed between two versions side by side, and the editor that saves a new version through
``policies.services.policy_load`` (the service the ``load_policy`` command uses). Everyone reads the policies
of their area; only a role that may write policies edits one, within their area."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.services import area_within, ensure_permitted
from beneficiaries.models import Category, Insurance
from claims.selectors import hospital_names
from policies.comparison import compare_policies, layer_rows
from policies.editor import NoteForm, PolicyEditor
from policies.models import Policy, PolicyVersion
from policies.selectors import parsed_policy, policies_visible, policy_region_names
from policies.services import OUTSIDE_AREA, policy_load
from spreadsheets.errors import SpreadsheetError
from spreadsheets.json_documents import load_json

VIEW = "policies.view_policy"
WRITE = "policies.add_policyversion"
CODE_CHANGED = "政策代码不能在这里修改（应为 {code}）：另立一项政策请用 load_policy 命令载入新的政策文件。"


def _policy(request, pk) -> Policy:
    for policy in policies_visible(request.user):
        if policy.pk == pk:
            return policy
    raise Http404("没有这项政策，或它不在您的管辖区域内。")


def _editable(user, policy: Policy) -> str | None:
    """Why ``user`` may not save a version of ``policy``, or None when they may."""
    try:
        ensure_permitted(user, WRITE, "修订报销政策")
        area_within(user, policy.region_code, outside=OUTSIDE_AREA)
    except ValidationError as exc:
        return "；".join(exc.messages)
    return None


def _versions(policy: Policy):
    return policy.versions.select_related("created_by").order_by("-number")


@permission_required(VIEW, raise_exception=True)
def policy_list(request):
    policies = policies_visible(request.user)
    latest = {}
    for version in PolicyVersion.objects.filter(policy__in=policies).select_related("created_by").order_by("number"):
        latest[version.policy_id] = version
    names = policy_region_names({policy.region_code for policy in policies})
    rows = [(policy, names[policy.region_code], latest.get(policy.pk)) for policy in policies]
    return render(request, "policies/policy_list.html", {"rows": rows})


@permission_required(VIEW, raise_exception=True)
def policy_detail(request, pk):
    policy = _policy(request, pk)
    versions = list(_versions(policy))
    current = versions[0] if versions else None
    document = parsed_policy(current) if current else None
    names = hospital_names(document) if document else {}
    layers = [(layer, layer_rows(layer, names)) for layer in document.layers] if document else []
    return render(request, "policies/policy_detail.html", {
        "policy": policy, "region": policy_region_names([policy.region_code])[policy.region_code],
        "versions": versions, "current": current, "layers": layers,
        "cannot_edit": _editable(request.user, policy),
    })


def _number(request, name: str, versions: dict[int, PolicyVersion], default: int) -> int:
    text = request.GET.get(name, "")
    if not text:
        return default
    if not text.isascii() or not text.isdigit() or int(text) not in versions:
        raise BadRequest(f"没有第 {text} 版：请从列表中选择要比较的版本。")
    return int(text)


@permission_required(VIEW, raise_exception=True)
def policy_compare(request, pk):
    """Two versions side by side (``from`` and ``to``, version numbers; by default the latest and the one
    before it)."""
    policy = _policy(request, pk)
    versions = {version.number: version for version in _versions(policy)}
    if not versions:
        raise BadRequest("该政策还没有任何版本。")
    newest = max(versions)
    older = _number(request, "from", versions, max(1, newest - 1))
    newer = _number(request, "to", versions, newest)
    old, new = parsed_policy(versions[older]), parsed_policy(versions[newer])
    comparison = compare_policies(old, new, hospital_names(old) | hospital_names(new))
    return render(request, "policies/policy_compare.html", {
        "policy": policy, "older": versions[older], "newer": versions[newer], "comparison": comparison,
        "numbers": sorted(versions, reverse=True),
    })


def _choices(model) -> list[tuple[str, str]]:
    return list(model.objects.order_by("code").values_list("code", "name"))


def _json(document) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)


@permission_required(WRITE, raise_exception=True)
def policy_edit(request, pk):
    """The editor (``policies.editor``) over the current version. Three buttons: 检查 writes the forms into
    the JSON and shows every problem at its field, nothing saved; 保存新版本 does that and saves when there
    is none; 按 JSON 保存 saves the JSON box as typed (for what the forms do not show)."""
    policy = _policy(request, pk)
    refusal = _editable(request.user, policy)
    if refusal:
        raise PermissionDenied(refusal)
    current = _versions(policy).first()
    if current is None:
        raise BadRequest("该政策还没有任何版本：请先用 load_policy 命令载入。")
    lists = {"categories": _choices(Category), "insurances": _choices(Insurance)}
    base, text, problems = current.document, _json(current.document), []
    action = request.POST.get("action", "check") if request.method == "POST" else None
    # The note is asked for only when saving; a check keeps what was typed.
    note = NoteForm(request.POST) if action in ("save", "save_json") else NoteForm(
        initial={"note": request.POST.get("note", "")})
    if action is not None:
        try:
            base = load_json(request.POST.get("base", ""), "表单所依据的政策文档")
        except (json.JSONDecodeError, SpreadsheetError):
            base = None
        if not isinstance(base, dict):
            raise BadRequest("表单所依据的政策文档已损坏，请重新打开编辑页面。")
    editor = PolicyEditor(base, request.POST if action in ("check", "save") else None, **lists)
    document = None
    if action == "save_json":
        text = request.POST.get("document", "")
        document, problems = _typed_document(text, policy)
    elif action is not None:
        document = editor.document()
        if document is not None:
            text = _json(document)
            problems = [str(issue) for issue in editor.check(document)]
    saving = action in ("save", "save_json") and document is not None and not problems
    if saving and note.is_valid():
        try:
            version, created = policy_load(user=request.user, document=document, note=note.cleaned_data["note"])
        except ValidationError as exc:
            problems = exc.messages
        else:
            if created:
                messages.success(request, f"已保存为第 {version.number} 版。")
                return redirect(f"{reverse('policies:compare', args=[policy.pk])}?from={current.number}&to={version.number}")
            messages.info(request, f"内容与第 {version.number} 版相同，没有保存新版本。")
            return redirect("policies:detail", pk=policy.pk)
    return render(request, "policies/policy_edit.html", {
        "policy": policy, "current": current, "editor": editor, "note": note, "base": _json(base),
        "document": text, "problems": problems, "json_problems": action == "save_json" and problems,
        "checked": action == "check", "region": policy_region_names([policy.region_code])[policy.region_code],
    })


def _typed_document(text: str, policy: Policy) -> tuple[dict | None, list[str]]:
    """The JSON box as a document, or the reasons it is not one (its code must stay the policy's)."""
    try:
        document = load_json(text, "政策文档")
    except json.JSONDecodeError as exc:
        return None, [f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}"]
    except SpreadsheetError as exc:
        return None, [str(exc)]
    if not isinstance(document, dict) or document.get("code") != policy.code:
        return None, [CODE_CHANGED.format(code=policy.code)]
    return document, []
