"""Every refusal as RFC 9457 problem details (``application/problem+json``), in Chinese.

``errors`` lists what was wrong, each naming the item of a batch (its 1-based position) where there is
one, the field in the caller's own naming, and what was expected. Unexpected failures are left to
Django (logged, a 500) rather than described.
"""

from __future__ import annotations

import math

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_TYPE = "/api/v1/docs/#problem-{code}"
CONTENT_TYPE = "application/problem+json"

# code: (HTTP status, title); the codes are documented on the API's page.
PROBLEMS = {
    "invalid": (status.HTTP_400_BAD_REQUEST, "请求内容有误"),
    "unauthenticated": (status.HTTP_401_UNAUTHORIZED, "缺少或无效的接口密钥"),
    "forbidden": (status.HTTP_403_FORBIDDEN, "无权进行此操作"),
    "not_found": (status.HTTP_404_NOT_FOUND, "未找到"),
    "method_not_allowed": (status.HTTP_405_METHOD_NOT_ALLOWED, "不支持此请求方法"),
    "not_acceptable": (status.HTTP_406_NOT_ACCEPTABLE, "无法提供所请求的格式"),
    "unsupported_media_type": (status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "请求体应为 JSON"),
    "throttled": (status.HTTP_429_TOO_MANY_REQUESTS, "调用过于频繁"),
    "server_error": (status.HTTP_500_INTERNAL_SERVER_ERROR, "服务器内部错误"),
}
BY_STATUS = {code_status: code for code, (code_status, _) in PROBLEMS.items()}
DETAILS = {
    "unauthenticated": "请在 Authorization 头中给出管理员签发的密钥：Authorization: Bearer <密钥>。",
    "method_not_allowed": "此接口不支持该请求方法。",
    "unsupported_media_type": "请求体应为 JSON（Content-Type: application/json）。",
    "server_error": "处理请求时出错，已记入系统日志，未写入任何数据；请稍后重试（推送的批次可原样重发）。",
}


class ItemError(exceptions.APIException):
    """A batch refused for its items' faults: ``errors`` are ``{"item", "field", "message"}`` dicts."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, errors: list[dict], detail: str):
        super().__init__(detail)
        self.errors = errors


def problem(code: str, detail: str, *, errors: list[dict] | None = None, headers=None, instance: str = "") -> Response:
    code_status, title = PROBLEMS[code]
    body = {"type": PROBLEM_TYPE.format(code=code), "title": title, "status": code_status, "detail": detail}
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return Response(body, status=code_status, headers=headers, content_type=CONTENT_TYPE)


def _flatten(detail, path: tuple = ()) -> list[tuple[tuple, str]]:
    """DRF's nested error detail as (path, message) pairs."""
    if isinstance(detail, dict):
        return [pair for key, value in detail.items() for pair in _flatten(value, (*path, key))]
    if isinstance(detail, list):
        if all(not isinstance(value, (dict, list)) for value in detail):
            return [(path, str(value)) for value in detail]
        return [pair for index, value in enumerate(detail) if value for pair in _flatten(value, (*path, index))]
    return [(path, str(detail))]


def field_errors(detail) -> list[dict]:
    """Errors of a request body: ``items[3].medfee_sumamt`` becomes item 4, field ``medfee_sumamt``."""
    errors = []
    for path, message in _flatten(detail):
        entry: dict = {}
        parts = list(path)
        if len(parts) >= 2 and parts[0] == "items" and isinstance(parts[1], int):
            entry["item"] = parts[1] + 1
            parts = parts[2:]
        field = ".".join(str(part) for part in parts if part != "non_field_errors")
        entry["field"] = field or None
        entry["message"] = message
        errors.append(entry)
    return errors


def django_errors(exc: DjangoValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        return [{"field": None if field == "__all__" else field, "message": message}
                for field, messages in exc.message_dict.items() for message in messages]
    return [{"field": None, "message": message} for message in exc.messages]


def problem_response(exc, context):
    """DRF's exception handler, answering in problem details (its headers, Retry-After among them, kept)."""
    if isinstance(exc, DjangoValidationError):
        errors = django_errors(exc)
        code = "forbidden" if getattr(exc, "code", None) in ("outside_area", "not_permitted") else "invalid"
        return problem(code, "；".join(error["message"] for error in errors), errors=errors)
    if isinstance(exc, ItemError):
        return problem("invalid", str(exc.detail), errors=exc.errors)
    response = exception_handler(exc, context)
    if response is None:
        return None
    code = BY_STATUS.get(response.status_code, "invalid")
    headers = {name: value for name, value in response.items() if name in ("Retry-After", "WWW-Authenticate", "Allow")}
    if isinstance(exc, exceptions.ValidationError):
        errors = field_errors(exc.detail)
        return problem("invalid", f"请求中有 {len(errors)} 处错误。", errors=errors, headers=headers)
    if isinstance(exc, exceptions.Throttled):
        wait = math.ceil(exc.wait or 1)
        headers["Retry-After"] = str(wait)
        return problem("throttled", f"已达到每分钟调用上限，请在 {wait} 秒后重试。", headers=headers)
    given = response.data.get("detail", "") if isinstance(response.data, dict) else ""
    detail = DETAILS.get(code) or str(given) or PROBLEMS[code][1]
    return problem(code, detail, headers=headers)
