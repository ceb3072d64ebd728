"""The OpenAPI description's additions: each operation's scope, and the problem details it may answer."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from api.models import Scope


class ProblemItemSerializer(serializers.Serializer):
    item = serializers.IntegerField(required=False, help_text="批次中的第几项（从 1 开始）；不针对某一项时没有")
    field = serializers.CharField(allow_null=True, help_text="字段名（调用方的字段名）；针对整项时为空")
    message = serializers.CharField(help_text="哪里不对、应当是什么")


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="问题类型（RFC 9457），指向本接口说明页的一节")
    title = serializers.CharField(help_text="问题类型的简述")
    status = serializers.IntegerField(help_text="HTTP 状态码")
    detail = serializers.CharField(help_text="此次请求的问题说明")
    errors = ProblemItemSerializer(many=True, required=False, help_text="逐项、逐字段的错误")


ERRORS = {"400": "请求内容有误", "401": "缺少或无效的接口密钥", "403": "没有此权限范围，或超出区域",
          "404": "未找到（或不在区域内）", "429": "超过每分钟调用上限（见 Retry-After）"}


class PartnerAutoSchema(AutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        scope = getattr(self.view, "scope", "")
        if operation is not None and scope:
            operation["x-scope"] = scope
            operation["description"] = f"{operation.get('description', '')}\n\n需要权限范围：{Scope(scope).label}（{scope}）。".strip()
        return operation

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if getattr(self.view, "scope", ""):
            for code, description in ERRORS.items():
                responses.setdefault(code, self._get_response_for_code(
                    OpenApiResponse(ProblemSerializer, description=description), code,
                    media_types=["application/problem+json"], direction=direction))
        return responses
