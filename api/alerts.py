"""The alert list (预警名单), page by page by cursor: the browser list's filter (monitoring.selectors.AlertFilter,
alerts_filtered) and its figures, each alert with its person, burden against the threshold, level and status."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.models import AccessLog
from accounts.services import access_log_record
from api.base import PageQuery, PartnerEndpoint, keyset_page, primary_key
from api.models import Scope
from api.people import PlaceSerializer
from beneficiaries.idnumbers import mask
from monitoring.models import Alert, Level
from monitoring.selectors import AlertFilter, alert_rows, alerts_filtered

MONEY = {"max_digits": 14, "decimal_places": 2}


class AlertQuery(PageQuery):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100, help_text="年度；不填为今年")
    level = serializers.ChoiceField(choices=Level.choices, required=False,
                                    help_text="预警等级：over 超标 / warning 预警 / none 已回落；不填为全部")
    status = serializers.ChoiceField(choices=Alert.Status.choices, required=False, help_text="处理状态；不填为全部")
    area = serializers.CharField(required=False, max_length=12,
                                 help_text="区域（区划代码，如乡镇 500242100），须在本对接系统的区域之内；不填为整个区域")
    label = serializers.CharField(required=False, max_length=40, help_text="监测类别，如 脱贫不稳定户；不填为全部")


class AlertPersonSerializer(serializers.Serializer):
    id_number = serializers.CharField(help_text="身份证号；对接系统的账号无权查看敏感信息时为遮蔽后的号码（与预警名单导出相同）")
    name = serializers.CharField(help_text="姓名")
    village = PlaceSerializer(help_text="所在村")
    township = PlaceSerializer(allow_null=True, help_text="所在乡镇")


class AlertSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="预警编号")
    person = AlertPersonSerializer(help_text="预警对象")
    year = serializers.IntegerField(help_text="年度")
    level = serializers.ChoiceField(choices=Level.choices, help_text="预警等级代码")
    level_label = serializers.CharField(help_text="预警等级")
    label = serializers.CharField(help_text="监测类别；未设时为空")
    medical = serializers.DecimalField(**MONEY, help_text="医疗费用个人负担（元）")
    relief = serializers.DecimalField(**MONEY, help_text="医疗保障外救助（元）")
    burden = serializers.DecimalField(**MONEY, help_text="个人负担（元）：医疗费用个人负担减救助，不低于 0")
    threshold = serializers.DecimalField(**MONEY, allow_null=True, help_text="监测标准（元）")
    share = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True,
                                     help_text="个人负担占监测标准的百分比；无监测标准时为空")
    household_burden = serializers.DecimalField(**MONEY, help_text="家庭当年个人负担合计（元）")
    status = serializers.ChoiceField(choices=Alert.Status.choices, help_text="处理状态代码")
    status_label = serializers.CharField(help_text="处理状态")
    office = serializers.CharField(help_text="推送部门代码：civil_affairs / rural_revitalization / both；未推送时为空")
    referred_on = serializers.DateField(allow_null=True, help_text="推送日期；未推送时为空")
    created_at = serializers.DateTimeField(help_text="生成时间")
    updated_at = serializers.DateTimeField(help_text="最近更新时间（负担变化或处理）")


class AlertPage(serializers.Serializer):
    year = serializers.IntegerField(help_text="年度")
    results = AlertSerializer(many=True, help_text="本页的预警，按编号排序")
    next_cursor = serializers.CharField(allow_null=True, help_text="下一页的游标；最后一页为空")


def _place(region) -> dict | None:
    return {"code": region.code, "name": region.name} if region else None


def _alert(row, *, show_ids: bool) -> dict:
    alert, person = row.alert, row.person
    return {
        "id": alert.pk,
        "person": {
            "id_number": person.id_number if show_ids else mask(person.id_number),
            "name": person.name,
            "village": _place(person.village),
            "township": _place(person.village.parent),
        },
        "year": alert.year,
        "level": alert.level,
        "level_label": alert.get_level_display(),
        "label": alert.label,
        "medical": alert.medical,
        "relief": alert.relief,
        "burden": alert.burden,
        "threshold": alert.threshold,
        "share": row.share,
        "household_burden": row.household_burden,
        "status": alert.status,
        "status_label": alert.get_status_display(),
        "office": alert.office,
        "referred_on": alert.referred_on,
        "created_at": alert.created_at,
        "updated_at": alert.updated_at,
    }


class AlertList(PartnerEndpoint):
    scope = Scope.READ_ALERTS
    query_serializer = AlertQuery

    @extend_schema(
        operation_id="alert_list",
        summary="读取预警名单",
        description="因病返贫致贫预警名单：与系统预警名单页面相同的筛选（年度、区域、等级、状态、监测类别），"
                    "每条预警含人员、年度、负担与监测标准、等级、处理状态和日期，按预警编号用游标分页。",
        parameters=[AlertQuery],
        responses={200: AlertPage},
        tags=["预警"],
    )
    def get(self, request):
        user = request.user
        alert_filter = AlertFilter(
            year=self.query.get("year") or timezone.localdate().year, area=self.query.get("area", ""),
            level=self.query.get("level", ""), status=self.query.get("status", ""), label=self.query.get("label", ""),
        )
        alerts, cursor = keyset_page(alerts_filtered(user, alert_filter), ("pk",), self.query.get("cursor"),
                                     self.query["page_size"], parse=primary_key)
        rows = alert_rows(alerts, alert_filter.year)
        self.audit_area, self.audit_counts = alert_filter.area, {"alerts": len(rows)}
        access_log_record(user=user, action=AccessLog.Action.EXPORT, object_id="alerts",
                          detail=f"接口读取预警名单：{alert_filter.describe()}", rows=len(rows))
        return Response(AlertPage({
            "year": alert_filter.year,
            "results": [_alert(row, show_ids=user.sees_sensitive) for row in rows],
            "next_cursor": cursor,
        }).data)
