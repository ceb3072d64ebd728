"""Error pages in Chinese that say what was wrong with the request."""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.shortcuts import render

from spreadsheets.uploads import UploadTooLarge

BAD_REQUEST = "请求无效，请返回上一页重试。"
FORBIDDEN = "您的角色或负责区域不能查看或办理此项。如确需办理，请联系系统管理员。"
NOT_FOUND = "没有找到要访问的页面或记录：可能地址有误，或记录不在您负责的区域内。"


def bad_request(request, exception=None):
    """400: our own refusals (a bad query parameter, an upload over the limit) show their message;
    anything else Django refused says only that the request was invalid."""
    message = str(exception) if isinstance(exception, (BadRequest, UploadTooLarge)) and str(exception) else BAD_REQUEST
    return render(request, "error.html", {"title": "请求无效", "message": message}, status=400)


def _chinese(exception) -> str:
    """The refusal's own message when it is one of ours (Chinese), else nothing."""
    text = str(exception or "")
    return text if any("\u4e00" <= char <= "\u9fff" for char in text) else ""


def permission_denied(request, exception=None):
    """403: the refusal's reason when the product gave one (an area, a role), else what 403 means here."""
    return render(request, "error.html", {"title": "无权访问", "message": _chinese(exception) or FORBIDDEN},
                  status=403)


def page_not_found(request, exception=None):
    return render(request, "error.html", {"title": "页面不存在", "message": NOT_FOUND}, status=404)
