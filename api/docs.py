"""The API's description: OpenAPI 3 generated from the code, a Chinese page drawn from it, and Swagger UI."""

from __future__ import annotations

from functools import cache

from csp.decorators import csp_update
from django.shortcuts import render
from django.utils.decorators import method_decorator
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from api.models import Partner, Scope
from api.problems import PROBLEMS

OPEN = {"authentication_classes": [], "permission_classes": [AllowAny], "throttle_classes": []}
METHODS = ("get", "post", "put", "patch", "delete")


class Schema(SpectacularAPIView):
    """The OpenAPI 3 description (``?format=json`` for JSON), open to read: it holds no data."""

    authentication_classes, permission_classes, throttle_classes = OPEN.values()


@method_decorator(csp_update({"style-src": ["'unsafe-inline'"]}), name="dispatch")
class Swagger(SpectacularSwaggerSplitView):
    """Swagger UI, from this site's own files, for trying calls with a key (its own labels are English)."""

    authentication_classes, permission_classes, throttle_classes = OPEN.values()
    url_name = "api:schema"


@cache
def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(schema: dict, node: dict | None) -> dict:
    while node and "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node or {}


def _fields(schema: dict, node: dict | None, prefix: str = "", depth: int = 0) -> list[dict]:
    """The fields of a body, nested ones as ``parent.child`` (``items[].child`` for lists), for the page's tables."""
    node = _resolve(schema, node)
    if node.get("type") == "array":
        return _fields(schema, node.get("items"), f"{prefix}[]", depth)
    required = set(node.get("required", []))
    rows = []
    for name, field in node.get("properties", {}).items():
        resolved = _resolve(schema, field.get("allOf", [field])[0] if "allOf" in field else field)
        kind = resolved.get("type", "object")
        if kind == "array":
            kind = f"{_resolve(schema, resolved.get('items')).get('type', 'object')} 列表"
        rows.append({"name": f"{prefix}{'.' if prefix else ''}{name}", "type": kind,
                     "required": name in required, "nullable": resolved.get("nullable", False),
                     "description": field.get("description") or resolved.get("description", ""),
                     "enum": resolved.get("enum", [])})
        if depth < 3 and (resolved.get("properties") or resolved.get("type") == "array"):
            rows += _fields(schema, resolved, rows[-1]["name"], depth + 1)
    return rows


def _operations(schema: dict) -> list[dict]:
    operations = []
    for route, item in schema["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            responses = []
            for code, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                first = next(iter(content.values()), {}).get("schema") if content else None
                responses.append({"code": code, "description": response.get("description", ""),
                                  "fields": _fields(schema, first) if code.startswith("2") else []})
            operations.append({
                "method": method.upper(), "path": route, "summary": operation.get("summary", ""),
                "description": operation.get("description", ""), "tag": (operation.get("tags") or [""])[0],
                "scope": operation.get("x-scope", ""), "anchor": operation["operationId"],
                "parameters": [p | {"schema_type": p.get("schema", {}).get("type", "")}
                               for p in operation.get("parameters", [])],
                "body": _fields(schema, body), "responses": responses,
            })
    return operations


def docs_page(request):
    """The API's page, in Chinese, for the developers of the other offices' systems."""
    schema = _schema()
    return render(request, "api/docs.html", {
        "info": schema["info"], "operations": _operations(schema), "scopes": Scope.choices,
        "kinds": Partner.Kind.choices,
        "problems": [(code, status, title) for code, (status, title) in PROBLEMS.items()],
    })
