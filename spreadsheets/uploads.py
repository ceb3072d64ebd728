"""Uploads are refused past ``UPLOAD_MAX_BYTES`` before Django keeps a byte of them.

The middleware answers a request whose declared length is over the limit at once (413, with the limit
named); the upload handler counts what actually arrives, for a body sent without a length, and stops
the request there (400, with the same message).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.shortcuts import render

from spreadsheets.limits import size_text

UPLOAD_TOO_LARGE = "上传的文件超过上限 {limit}（本次约 {size}）：请拆分后分批上传。"
FORM_FIELDS_BYTES = 1024 * 1024  # what a form sends beside its file: fields, boundaries, headers


class UploadTooLarge(RequestDataTooBig):
    """A request body larger than uploads may be; the message is shown to the user."""


def upload_too_large(size: int) -> str:
    return UPLOAD_TOO_LARGE.format(limit=size_text(settings.UPLOAD_MAX_BYTES), size=size_text(size))


class UploadLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = request.META.get("CONTENT_LENGTH") or ""
        if length.isdigit() and int(length) > settings.UPLOAD_MAX_BYTES + FORM_FIELDS_BYTES:
            message = upload_too_large(int(length))
            return render(request, "error.html", {"title": "文件过大", "message": message}, status=413)
        return self.get_response(request)


class LimitedUploadHandler(FileUploadHandler):
    """First of the upload handlers: counts the bytes of every file of the request and passes them on."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            raise UploadTooLarge(upload_too_large(self.received))
        return raw_data

    def file_complete(self, file_size):
        return None
