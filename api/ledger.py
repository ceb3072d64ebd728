"""The ledger (医疗保障扶贫对象综合管理台账), page by page by cursor: the export's people and 36 columns.

Each column is a stable English key, typed (是/否 as true/false, money as "123.45", counts as integers), with
its number and Chinese title in the description rather than repeated in every answer: a partner's developer
maps the keys once, and the typed description is what its code (and the contract tests) check the answer by.
"""

from __future__ import annotations

import re

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.models import AccessLog, User
from accounts.services import access_log_record, area_within
from api.base import PageQuery, PartnerEndpoint, keyset_page, primary_key
from api.models import Scope
from beneficiaries.idnumbers import mask
from ledgers.columns import COLUMNS, GRANT_COLUMN, VISIT_GROUPS, VISIT_MEASURES, YES, Column, Kind, visit_column
from ledgers.forms import own_area
from config.periods import Period, PeriodError, parse_month, parse_quarter, year_period
from ledgers.selectors import PERSON_FIELDS, LedgerFilter, ledger_people, ledger_rows_of
from ledgers.services import area_check
from policies.document import VISIT_TYPES

# The key of each column in order: 6–14 are the categories' codes, then enrollment, then per visit type its
# count, total and the four funds (``{visit type}_{measure}``).
KEYS = (
    "pooling_area", "village_code", "village_name", "name", "id_number",
    "poor", "dibao_urban", "dibao_rural", "tekun_urban", "tekun_rural", "low_income_urban", "low_income_rural",
    "other_hardship_urban", "other_hardship_rural",
    "resident_basic", "critical_illness", "enrollment_subsidy", "supplementary",
    *(f"{visit_type}_{measure}" for visit_type in VISIT_TYPES for measure in VISIT_MEASURES),
)
GROUP_OF = {visit_column(visit_type, measure).number: group
            for visit_type, group in VISIT_GROUPS.items() for measure in VISIT_MEASURES}
PERIOD_TEXT = "期间：YYYY-MM（月，如 2024-05）、YYYYQn（季度，如 2024Q3）或 YYYY（年）"
ONE_PERIOD = "请给出 year 或 period 之一（只给一个）。"


def _title(column: Column) -> str:
    group = f"{GROUP_OF[column.number]}·" if column.number in GROUP_OF else ""
    grants = "（含期间内发放的救助金）" if column == GRANT_COLUMN else ""
    return f"第 {column.number} 列 {group}{column.name}{grants}"


def _field(column: Column) -> serializers.Field:
    title = _title(column)
    if column.kind == Kind.FLAG:
        return serializers.BooleanField(help_text=f"{title}：是为 true，否为 false")
    if column.kind == Kind.MONEY:
        return serializers.DecimalField(max_digits=14, decimal_places=2, help_text=f"{title}（元）")
    if column.kind == Kind.COUNT:
        return serializers.IntegerField(help_text=title)
    if column.kind == Kind.ID_NUMBER:
        return serializers.CharField(help_text=f"{title}：与台账导出相同，无权查看敏感信息的对接系统得到遮蔽后的号码")
    return serializers.CharField(help_text=title)


LedgerRowSerializer = type(
    "LedgerRowSerializer", (serializers.Serializer,),
    {"__doc__": "台账的一行（一人）", **{key: _field(column) for key, column in zip(KEYS, COLUMNS, strict=True)}},
)


class PeriodSerializer(serializers.Serializer):
    first = serializers.DateField(help_text="期间起始日期")
    last = serializers.DateField(help_text="期间截止日期")
    label = serializers.CharField(help_text="期间名称，如 2024年第三季度")


class LedgerPage(serializers.Serializer):
    area = serializers.CharField(help_text="区域（区划代码）")
    period = PeriodSerializer(help_text="期间")
    results = LedgerRowSerializer(many=True, help_text="本页各人的台账行，按登记顺序")
    next_cursor = serializers.CharField(allow_null=True, help_text="下一页的游标；最后一页为空")


class LedgerQuery(PageQuery):
    year = serializers.IntegerField(required=False, min_value=1990, max_value=2100,
                                    help_text="年度：该年全年的台账（与 period 二选一）")
    period = serializers.CharField(required=False, max_length=10, help_text=f"{PERIOD_TEXT}（与 year 二选一）")
    area = serializers.CharField(required=False, max_length=12,
                                 help_text="区域（区划代码），须在本对接系统的区域之内；不填为本对接系统的整个区域")
    as_of = serializers.DateField(required=False, help_text="类别状态日期：填写时身份类别按这一天的状态；"
                                                            "不填时期间内任何一天持有即为“是”")

    def validate(self, data):
        if ("year" in data) == ("period" in data):
            raise serializers.ValidationError({"period": [ONE_PERIOD]})
        data["dates"] = year_period(data["year"]) if "year" in data else _period(data["period"])
        return data


def _period(text: str) -> Period:
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}", text):
            return year_period(int(text))
        return parse_quarter(text) if "q" in text.lower() else parse_month(text)
    except PeriodError as exc:
        raise serializers.ValidationError({"period": [str(exc)]}) from None


def _row(cells: list, *, show_ids: bool) -> dict:
    row = {}
    for key, column, value in zip(KEYS, COLUMNS, cells, strict=True):
        if column.kind == Kind.FLAG:
            value = value == YES
        elif column.kind == Kind.ID_NUMBER and not show_ids:
            value = mask(value)
        row[key] = value
    return row


def ledger_area(user: User, code: str | None) -> str:
    """The area asked for (the partner's own when none), refused outside the partner's area (403) or unknown."""
    area = code or own_area(user)
    area_within(user, area)
    area_check(user, area)
    return area


class LedgerRows(PartnerEndpoint):
    scope = Scope.READ_LEDGER
    query_serializer = LedgerQuery

    @extend_schema(
        operation_id="ledger_rows",
        summary="读取台账",
        description="与台账导出相同的人员和 36 列：区域内期间持有身份类别或有已结算账单的人员，每人一行，"
                    "按登记顺序用游标分页（每页都与导出的对应各行一致，不含合计行）。各字段的说明给出列号和台账的列名。"
                    "身份证号与导出相同：对接系统的账号无权查看敏感信息时为遮蔽后的号码。",
        parameters=[LedgerQuery],
        responses={200: LedgerPage},
        tags=["台账"],
    )
    def get(self, request):
        user = request.user
        area = ledger_area(user, self.query.get("area"))
        ledger_filter = LedgerFilter(area_code=area, period=self.query["dates"], as_of=self.query.get("as_of"))
        people, cursor = keyset_page(
            ledger_people(user, ledger_filter).only("id", "village", "name", "id_number"), ("pk",),
            self.query.get("cursor"), self.query["page_size"], parse=primary_key,
        )
        rows = ledger_rows_of(ledger_filter, [tuple(getattr(person, name) for name in PERSON_FIELDS)
                                              for person in people])
        self.audit_area, self.audit_counts = area, {"rows": len(rows)}
        access_log_record(user=user, action=AccessLog.Action.EXPORT, object_id="ledger",
                          detail=f"接口读取台账：{ledger_filter.describe()}", rows=len(rows))
        period = ledger_filter.period
        return Response(LedgerPage({
            "area": area,
            "period": {"first": period.first, "last": period.last, "label": period.label},
            "results": [_row(row.cells, show_ids=user.sees_sensitive) for row in rows],
            "next_cursor": cursor,
        }).data)
