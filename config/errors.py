"""Error pages in Chinese that say what was wrong with the request."""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.shortcuts import render

from spreadsheets.uploads import UploadTooLarge

BAD_REQUEST = "请求无效，请返回上一页重试。"


def bad_request(request, exception=None):
    """400: our own refusals (a bad query parameter, an upload over the limit) show their message;
    anything else Django refused says only that the request was invalid."""
    message = str(exception) if isinstance(exception, (BadRequest, UploadTooLarge)) and str(exception) else BAD_REQUEST
    return render(request, "error.html", {"title": "请求无效", "message": message}, status=400)
