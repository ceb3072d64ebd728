"""People: one looked up by ID number, and the people changed since a time (another office's sync)."""

from __future__ import annotations

import datetime

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.models import AccessLog
from accounts.services import access_log_record
from api.base import PageQuery, PartnerEndpoint, keyset_page
from api.models import Scope
from beneficiaries import idnumbers
from beneficiaries.models import Beneficiary, CategoryHolding
from beneficiaries.selectors import beneficiaries_visible, people_changed_since
from monitoring.selectors import person_year_burden


ID_PATTERN = r"^(\d{17}[\dXx]|\d{15})$"


class PlaceSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="区划代码")
    name = serializers.CharField(help_text="名称")


class HoldingSerializer(serializers.Serializer):
    code = serializers.CharField(source="category.code", help_text="类别代码")
    name = serializers.CharField(source="category.name", help_text="类别名称")
    source = serializers.CharField(help_text="认定部门：civil_affairs 民政 / poverty_office 扶贫（乡村振兴） / …")
    start = serializers.DateField(help_text="起始日期")
    end = serializers.DateField(allow_null=True, help_text="终止日期；仍有效时为空")


class EnrollmentSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="年度")
    insurance = serializers.CharField(source="insurance.name", help_text="险种")
    status = serializers.CharField(help_text="参保状态代码")
    status_label = serializers.CharField(source="get_status_display", help_text="参保状态")
    subsidy = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="参保财政补助（元）")


class BurdenSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="年度")
    medical = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="医疗费用个人自付（元）")
    relief = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="已获救助（元）")
    burden = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="个人负担（元）")
    threshold = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True,
                                         help_text="监测线（元）；不在监测范围时为空")
    level = serializers.CharField(help_text="预警等级代码；未达预警线时为空")
    level_label = serializers.CharField(help_text="预警等级")
    note = serializers.CharField(help_text="不在监测范围的原因")


class PersonSerializer(serializers.Serializer):
    id_number = serializers.CharField(help_text="身份证号（18 位）")
    name = serializers.CharField(help_text="姓名")
    sex = serializers.CharField(help_text="性别：M 男 / F 女")
    birth_date = serializers.DateField(help_text="出生日期")
    status = serializers.CharField(help_text="状态代码")
    status_label = serializers.CharField(source="get_status_display", help_text="状态")
    status_date = serializers.DateField(allow_null=True, help_text="状态变更日期")
    village = PlaceSerializer(help_text="所在村")
    household = serializers.CharField(source="household.number", allow_null=True, default=None, help_text="户编号")
    relation = serializers.CharField(help_text="与户主关系")
    categories = HoldingSerializer(many=True, help_text="今天有效的身份类别，含认定部门和起止日期")


class PersonDetailSerializer(PersonSerializer):
    enrollments = EnrollmentSerializer(many=True, help_text="本年度参保记录")
    burden = BurdenSerializer(help_text="本年度医疗负担与监测等级")


class ChangedPersonSerializer(PersonSerializer):
    changed_at = serializers.DateTimeField(help_text="最近一次变更的时间")


class ChangedPage(serializers.Serializer):
    results = ChangedPersonSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True, help_text="下一页的游标；最后一页为空")


class ChangedQuery(PageQuery):
    changed_since = serializers.DateTimeField(help_text="只列出此时间之后有变更的人员（ISO 8601，如 2026-11-01T00:00:00+08:00）")


def _with_categories(people: list[Beneficiary], today: datetime.date) -> list[Beneficiary]:
    held: dict[int, list] = {person.pk: [] for person in people}
    for holding in (CategoryHolding.objects.on(today).filter(beneficiary_id__in=held)
                    .select_related("category").order_by("category__order", "start")):
        held[holding.beneficiary_id].append(holding)
    for person in people:
        person.categories = held[person.pk]
    return people


class PersonLookup(PartnerEndpoint):
    scope = Scope.READ_PEOPLE

    @extend_schema(
        operation_id="person_lookup",
        summary="按身份证号查询人员",
        description="返回人员的当前身份类别（认定部门、起止日期）、本年度参保和医疗负担及监测等级。"
                    "不在本对接系统区域内的人员与不存在的人员一样答复 404。",
        parameters=[OpenApiParameter("id_number", str, OpenApiParameter.PATH, pattern=ID_PATTERN,
                                     description="身份证号：18 位，或旧的 15 位（自动升位）")],
        responses={200: PersonDetailSerializer},
        tags=["人员"],
    )
    def get(self, request, id_number: str):
        try:
            number = idnumbers.parse(id_number).number
        except idnumbers.IdNumberError as exc:
            raise serializers.ValidationError({"id_number": [exc.message]}) from None
        person = beneficiaries_visible(request.user).filter(id_number=number).first()
        if person is None:
            raise Http404("区域内没有这个身份证号的人员。")
        today = timezone.localdate()
        _with_categories([person], today)
        person.enrollments_this_year = list(
            person.enrollments.filter(year=today.year).select_related("insurance").order_by("insurance__name"))
        burden = person_year_burden(person, today.year)
        self.audit_area, self.audit_counts = person.village_id, {"people": 1}
        access_log_record(user=request.user, action=AccessLog.Action.VIEW_PERSON, object_id=str(person.pk),
                          detail="接口查询")
        data = PersonSerializer(person).data | {
            "enrollments": EnrollmentSerializer(person.enrollments_this_year, many=True).data,
            "burden": BurdenSerializer(burden).data,
        }
        return Response(data)


class PeopleChanged(PartnerEndpoint):
    scope = Scope.READ_PEOPLE
    query_serializer = ChangedQuery

    @extend_schema(
        operation_id="people_changed",
        summary="列出某时间以来有变更的人员",
        description="人员信息、身份类别或参保记录在 changed_since 之后有变更的人员，按变更时间排序，用游标分页。"
                    "把最后一页的最大 changed_at 留作下次同步的 changed_since。",
        parameters=[ChangedQuery],
        responses={200: ChangedPage},
        tags=["人员"],
    )
    def get(self, request):
        people, cursor = keyset_page(
            people_changed_since(request.user, self.query["changed_since"]),
            ("changed_at", "pk"), self.query.get("cursor"), self.query["page_size"], parse=_cursor_value,
        )
        _with_categories(people, timezone.localdate())
        self.audit_counts = {"people": len(people)}
        access_log_record(user=request.user, action=AccessLog.Action.EXPORT, detail="接口同步变更人员", rows=len(people))
        return Response({"results": ChangedPersonSerializer(people, many=True).data, "next_cursor": cursor})


def _cursor_value(key: str, value):
    if key == "changed_at":
        parsed = datetime.datetime.fromisoformat(str(value))
        return parsed if parsed.tzinfo else timezone.make_aware(parsed)
    return int(value)

