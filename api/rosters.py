"""Rosters pushed by 民政 and 乡村振兴: the monthly comparison of the roster upload, previewed and then applied.

A pushed list becomes the csv an administrator would upload, headed with the roster reader's own column
names (rosters.files), and goes through the browser's services and tasks: ``roster_request``,
``roster_batch_upload`` and the preview job, then ``roster_batch_confirm`` (the Exits rule) and the apply
job. So the same reader, the same comparison and the same all-or-nothing application run, and the batch
appears on the roster pages like any upload (an administrator of the area may revert it there).

A partner sees only the batches it pushed itself, within its area: the uploads of the area's administrators
are theirs to apply, and another partner's list is not this one's business.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from accounts.models import AccessLog, User
from accounts.services import access_log_record
from api.base import BAD_CURSOR, PAGE_SIZE_DEFAULT, PageQuery, PartnerEndpoint, _decode, _encode
from api.models import Scope
from api.problems import ItemError, field_errors, problem
from beneficiaries.idnumbers import mask
from rosters.comparison import Outcome
from rosters.files import ROSTER_COLUMNS
from rosters.models import ROSTER_SOURCES, RosterBatch, RosterFindingList
from rosters.selectors import batch_effect, batches_visible_to, village_labels
from rosters.services import Exits, roster_batch_confirm, roster_batch_upload, roster_request
from rosters.tasks import apply_roster_batch, preview_roster_batch

# A list is compared while the call waits (and must be complete for its area: whoever it leaves out exits), so
# a large county pushes township by township.
ROWS_MAX = 50_000
ROW_FIELDS = ("id_number", "name", "category", "village", "head_id_number", "relation", "phone")
# The csv's header is its first row: item n of ``rows`` is the csv's row n + 1, the row the findings name.
HEADER_ROW = 1
# The findings listed when no outcome is asked for: all but 不变, nearly every line of a monthly list.
NOTABLE = [outcome for outcome in Outcome.values if outcome != Outcome.UNCHANGED]
# The services' refusals of a push's options, by code, and the body field each concerns.
OPTION_FIELDS = {"bad_source": "source", "bad_month": "month", "bad_area": "area",
                 "unknown_category": "category", "wrong_source_category": "category"}
# The fields of a rejected row, told by the cell the comparison's message names (rosters.comparison._RowChecker),
# checked in this order (a message quotes a category's text, which may name anything); the rest concern the
# village (an empty name never gets this far: the body requires one).
REJECTED_FIELDS = (("户主身份证号", "head_id_number"), ("类别", "category"))
ROWS_REFUSED = "名单中有 {count} 处错误，未建立批次，未写入任何数据。"
NOT_FOUND = "区域内没有本对接系统推送的名单批次 #{batch}。"


class RosterRowSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=30, help_text="身份证号（18 位；15 位旧号自动升为 18 位）")
    name = serializers.CharField(max_length=50, help_text="姓名")
    category = serializers.CharField(
        required=False, allow_blank=True, max_length=200,
        help_text="身份类别：代码、名称或别名（如 dibao_rural、农村低保对象、农村低保），多个用顿号或逗号分隔；"
                  "整张名单同属一个类别时可不填，由 category 统一给出")
    village = serializers.CharField(max_length=20, help_text="所在村的 12 位行政区划代码")
    head_id_number = serializers.CharField(
        required=False, allow_blank=True, max_length=30,
        help_text="户主身份证号：新增人员编入该户主的家庭户（没有则以户主身份证号为户编号新建）")
    relation = serializers.CharField(required=False, allow_blank=True, max_length=20,
                                     help_text="与户主关系，如 本人、妻、子、孙女")
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30, help_text="联系电话")


class RosterPushSerializer(serializers.Serializer):
    source = serializers.ChoiceField(
        choices=ROSTER_SOURCES,
        help_text="名单来源：civil_affairs 民政部门（低保、特困、低收入、其他困难群体）/ "
                  "poverty_office 扶贫、乡村振兴部门（建档立卡、防返贫监测对象）")
    month = serializers.CharField(max_length=7, help_text="名单月份 YYYY-MM，例如 2024-05：新增类别自该月 1 日起，"
                                                          "终止的类别到上月末日止")
    area = serializers.CharField(
        required=False, allow_blank=True, max_length=12,
        help_text="比对区域（区划代码，如乡镇 500242100），须在本对接系统的区域之内；不填为本对接系统的整个区域。"
                  "区域内持有该来源类别而不在名单上的人判为退出")
    category = serializers.CharField(
        required=False, allow_blank=True, max_length=60,
        help_text="整表类别：名单各行不填类别时使用的身份类别（代码、名称或别名），须由该来源认定")
    rows = RosterRowSerializer(
        many=True, allow_empty=False, max_length=ROWS_MAX,
        help_text=f"名单的全部人员（区域内的完整名单，最多 {ROWS_MAX:,} 行），一人多个类别可列多行；"
                  "错误按行号（从 1 开始）和字段名答复")


class RosterApplySerializer(serializers.Serializer):
    allow_exits = serializers.IntegerField(
        required=False, allow_null=True, min_value=0,
        help_text="名单将结束较多类别认定（超过该来源本区域在册认定的 10%）时，须填写将结束的认定数"
                  "（批次 exits.holdings）确认；其余情况不填")


class FindingsQuery(PageQuery):
    outcome = serializers.ChoiceField(
        choices=Outcome.choices, required=False,
        help_text="只列出这一种结果；不填则列出除“不变”（unchanged）以外的全部结果")


class CountsSerializer(serializers.Serializer):
    new = serializers.IntegerField(help_text="新增：登记册中没有的人（人数）")
    category_added = serializers.IntegerField(help_text="新增类别：在册而未持有该来源类别的人（人数）")
    changed = serializers.IntegerField(help_text="类别变更（人数）")
    exited = serializers.IntegerField(help_text="退出：持有该来源类别而不在名单上的人（人数）")
    mismatch = serializers.IntegerField(help_text="信息不符：同一身份证号，姓名或所在村不同（人数，不予处理）")
    duplicate = serializers.IntegerField(help_text="名单内重复（人数）")
    invalid_id = serializers.IntegerField(help_text="身份证号无效（行数，不予处理）")
    rejected = serializers.IntegerField(help_text="不可用：类别、村代码等无法使用（行数，不予处理）")
    unchanged = serializers.IntegerField(help_text="不变（人数）")


class ExitsSerializer(serializers.Serializer):
    holdings = serializers.IntegerField(help_text="将结束的类别认定数（退出的人和变更掉的类别）")
    people = serializers.IntegerField(help_text="其中退出的人数")
    open_holdings = serializers.IntegerField(help_text="该来源在本区域在册的类别认定数")
    need_confirmation = serializers.BooleanField(
        help_text="是否须确认：为 true 时应用须带 allow_exits 等于 holdings")


class EffectSerializer(serializers.Serializer):
    people = serializers.IntegerField(help_text="新建人员数")
    households = serializers.IntegerField(help_text="新建家庭户数")
    holdings = serializers.IntegerField(help_text="新建类别认定数")
    ended = serializers.IntegerField(help_text="结束的类别认定数")


class FindingSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices, help_text="结果代码")
    outcome_label = serializers.CharField(help_text="结果")
    items = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="名单中的第几行（rows 中的位置，从 1 开始），同一人多行时有多个；退出的人不在名单上，为空")
    field = serializers.CharField(
        allow_null=True,
        help_text="有错的字段（身份证号无效、不可用的行）：id_number / name / category / village / head_id_number；"
                  "其余为空")
    id_number = serializers.CharField(help_text="身份证号（无效时为名单原文）；无权查看敏感信息的对接系统只得到遮蔽后的号码")
    name = serializers.CharField(help_text="姓名")
    village_code = serializers.CharField(help_text="村代码")
    village_name = serializers.CharField(help_text="村名（含乡镇）；村代码不存在时为空")
    before = serializers.ListField(child=serializers.CharField(), help_text="原有的该来源类别（类别代码）")
    after = serializers.ListField(child=serializers.CharField(), help_text="名单所列类别（类别代码）")
    message = serializers.CharField(help_text="说明：哪里不对、应当怎样")


class RosterBatchSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="批次号")
    source = serializers.CharField(help_text="名单来源代码")
    source_label = serializers.CharField(help_text="名单来源")
    month = serializers.CharField(help_text="名单月份 YYYY-MM")
    area = serializers.CharField(help_text="比对区域（区划代码前缀）")
    status = serializers.ChoiceField(choices=RosterBatch.Status.choices,
                                     help_text="状态代码：previewed 待确认 / applied 已应用 / failed 失败 / …")
    status_label = serializers.CharField(help_text="状态")
    error = serializers.CharField(help_text="失败原因；未失败时为空")
    created_at = serializers.DateTimeField(help_text="推送时间")
    applied_at = serializers.DateTimeField(allow_null=True, help_text="应用时间；未应用时为空")
    counts = CountsSerializer(help_text="各结果的人数（身份证号无效、不可用为行数）")
    exits = ExitsSerializer(help_text="应用将结束的类别认定（退出确认规则）")
    effect = EffectSerializer(allow_null=True, help_text="应用写入的结果；未应用时为空")
    findings = FindingSerializer(many=True, help_text="比对明细的一页：按结果、再按名单行序")
    findings_next_cursor = serializers.CharField(
        allow_null=True, help_text="明细下一页的游标（GET /api/v1/rosters/{id}/?cursor=…）；最后一页为空")


def roster_csv(rows: list[dict]) -> bytes:
    """The list as the csv an administrator would upload, headed with the reader's first name of each column."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([ROSTER_COLUMNS[field][0] for field in ROW_FIELDS])
    writer.writerows([row.get(field, "") for field in ROW_FIELDS] for row in rows)
    return buffer.getvalue().encode()


def _body_refused(exc: serializers.ValidationError) -> ItemError:
    """A refused body with each error of ``rows[n]`` as item n + 1 and the row's field (none for the row as a
    whole)."""
    errors = field_errors(exc.detail)
    for error in errors:
        match = re.fullmatch(r"rows\.(\d+)(?:\.(.+))?", error["field"] or "")
        if match:
            error["item"], error["field"] = int(match[1]) + 1, match[2]
    return ItemError(errors, ROWS_REFUSED.format(count=len(errors)))


def _roster_request(user: User, data: dict):
    """The service's request for the push's options; a refused option is named as the body's field."""
    try:
        return roster_request(user=user, source=data["source"], month=data["month"], area_code=data.get("area"),
                              category=data.get("category"))
    except DjangoValidationError as exc:
        field = OPTION_FIELDS.get(exc.code)
        if field is None:
            raise  # outside the partner's area (403) or not permitted
        raise _refused(field, exc) from None


def _refused(field: str, exc: DjangoValidationError) -> ItemError:
    """A service's refusal, in its own words, as concerning ``field`` of the body."""
    return ItemError([{"field": field, "message": message} for message in exc.messages], "；".join(exc.messages))


def _field_of(outcome: str, message: str) -> str | None:
    if outcome == Outcome.INVALID_ID:
        return "id_number"
    if outcome != Outcome.REJECTED:
        return None
    return next((field for word, field in REJECTED_FIELDS if word in message), "village")


def _items(rows_text: str) -> list[int]:
    return [int(row) - HEADER_ROW for row in rows_text.split("、") if row]


def _findings_page(batch: RosterBatch, outcome: str | None, cursor: str | None, size: int) -> tuple[list, str | None]:
    """A page of the batch's findings (the outcome's, or every notable one) in outcome then file order, and the
    cursor of the next: a cursor is (outcome, position), as the stored findings are one list per outcome."""
    outcomes = [outcome] if outcome else NOTABLE
    start_outcome, start = outcomes[0], 0
    if cursor:
        values = _decode(cursor, 2)
        if values[0] not in outcomes or not isinstance(values[1], int) or values[1] < 0:
            raise exceptions.ValidationError({"cursor": [BAD_CURSOR]})
        start_outcome, start = values
    lists = dict(batch.findings.filter(outcome__in=outcomes).values_list("outcome", "lines"))
    page: list[tuple[str, list]] = []
    for name in outcomes[outcomes.index(start_outcome):]:
        lines = lists.get(name, [])
        first = start if name == start_outcome else 0
        for position in range(first, len(lines)):
            if len(page) == size:
                return page, _encode([name, position])
            page.append((name, lines[position]))
    return page, None


def _finding(outcome: str, line: list, *, show_ids: bool, villages: dict[str, str]) -> dict:
    fields = dict(zip(RosterFindingList.FIELDS, line, strict=True))
    return {
        "outcome": outcome,
        "outcome_label": Outcome(outcome).label,
        "items": _items(fields["rows"]),
        "field": _field_of(outcome, fields["message"]),
        "id_number": fields["id_number"] if show_ids else mask(fields["id_number"]),
        "name": fields["name"],
        "village_code": fields["village_code"],
        "village_name": villages.get(fields["village_code"], ""),
        "before": [code for code in fields["before"].split(",") if code],
        "after": [code for code in fields["after"].split(",") if code],
        "message": fields["message"],
    }


def batch_answer(user: User, batch: RosterBatch, *, outcome: str | None = None, cursor: str | None = None,
                 size: int = PAGE_SIZE_DEFAULT) -> dict:
    """The batch as the API answers it, with a page of its findings (ID numbers as the report gives them to
    ``user``); the page is written to the access log, as the report's export is."""
    counts = batch.counts or {}
    exits = Exits.from_counts(counts)
    lines, next_cursor = _findings_page(batch, outcome, cursor, size)
    villages = village_labels(line[3] for _outcome, line in lines)
    applied = batch.status in (RosterBatch.Status.APPLIED, RosterBatch.Status.REVERTED)
    if lines:
        access_log_record(user=user, action=AccessLog.Action.EXPORT, object_id=f"roster-batch-{batch.pk}",
                          detail=f"接口读取名单比对结果：{batch}", rows=len(lines))
    return RosterBatchSerializer({
        "id": batch.pk,
        "source": batch.source,
        "source_label": batch.get_source_display(),
        "month": batch.month_text,
        "area": batch.area_code,
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "error": batch.error,
        "created_at": batch.created_at,
        "applied_at": batch.applied_at,
        "counts": {name: counts.get(name, 0) for name in Outcome.values},
        "exits": {"holdings": exits.holdings, "people": exits.people, "open_holdings": exits.open_holdings,
                  "need_confirmation": exits.need_confirmation},
        "effect": dataclasses.asdict(batch_effect(batch)) if applied else None,
        "findings": [_finding(name, line, show_ids=user.sees_sensitive, villages=villages) for name, line in lines],
        "findings_next_cursor": next_cursor,
    }).data


def _outcome_counts(batch: RosterBatch) -> dict:
    return {name: count for name, count in (batch.counts or {}).items() if name in Outcome.values and count}


class RosterPush(PartnerEndpoint):
    scope = Scope.PUSH_ROSTERS

    @extend_schema(
        operation_id="roster_push",
        summary="推送名单并预览比对结果",
        description="民政或乡村振兴部门推送某月的名单（区域内的完整名单）。系统按上传名单文件的同一规则与登记册比对，"
                    "建立批次并立即预览（不改动登记册），答复批次号、各结果人数、将结束的类别认定和第一页比对明细；"
                    "Location 头给出批次地址。身份证号无效、类别或村代码不可用的行列在明细中（含行号和字段），"
                    "不影响其他行；请求体本身有误（缺字段、格式不对）时整批拒绝，不建立批次。"
                    "确认无误后调用 POST /api/v1/rosters/{id}/apply/ 应用。",
        request=RosterPushSerializer,
        parameters=[OpenApiParameter("Location", str, OpenApiParameter.HEADER, response=[201],
                                     description="批次的地址：/api/v1/rosters/{id}/")],
        responses={201: RosterBatchSerializer},
        tags=["名单"],
    )
    def post(self, request):
        body = RosterPushSerializer(data=request.data)
        try:
            body.is_valid(raise_exception=True)
        except serializers.ValidationError as exc:
            raise _body_refused(exc) from None
        data = body.validated_data
        roster = _roster_request(request.user, data)
        self.audit_area = roster.area_prefix
        rows = data["rows"]
        batch = roster_batch_upload(user=request.user, request=roster, content=roster_csv(rows),
                                    file_name=f"{self.partner.name}-接口推送-{data['month']}.csv")
        preview_roster_batch.call(batch.pk)  # as the roster page does for a list it compares while it waits
        batch.refresh_from_db()
        self.audit_counts = {"rows": len(rows), **_outcome_counts(batch)}
        location = reverse("api:roster", args=[batch.pk])
        if batch.status == RosterBatch.Status.FAILED:
            return problem("invalid", batch.error, instance=location)
        return Response(batch_answer(request.user, batch), status=status.HTTP_201_CREATED,
                        headers={"Location": location})


def _own_batch(request, batch_id: str) -> RosterBatch:
    """The partner's batch of that number (any text may arrive in the path: only digits name one)."""
    batch = None
    if batch_id.isascii() and batch_id.isdigit() and int(batch_id) < 2**63:
        batch = batches_visible_to(request.user).filter(pk=int(batch_id), created_by=request.user).first()
    if batch is None:
        raise Http404(NOT_FOUND.format(batch=batch_id))
    return batch


class RosterBatchDetail(PartnerEndpoint):
    scope = Scope.PUSH_ROSTERS
    query_serializer = FindingsQuery

    @extend_schema(
        operation_id="roster_batch",
        summary="查看名单批次",
        description="本对接系统推送的批次：状态、各结果人数、将结束的类别认定、应用结果，和比对明细的一页"
                    "（用 outcome 只看一种结果，用 cursor 翻页）。其他对接系统或管理员上传的批次、区域外的批次答复 404。",
        parameters=[FindingsQuery, OpenApiParameter("batch_id", int, OpenApiParameter.PATH, description="批次号")],
        responses={200: RosterBatchSerializer},
        tags=["名单"],
    )
    def get(self, request, batch_id: str):
        batch = _own_batch(request, batch_id)
        self.audit_area = batch.area_code
        answer = batch_answer(request.user, batch, outcome=self.query.get("outcome"), cursor=self.query.get("cursor"),
                              size=self.query["page_size"])
        self.audit_counts = {"findings": len(answer["findings"])}
        return Response(answer)


class RosterBatchApply(PartnerEndpoint):
    scope = Scope.PUSH_ROSTERS

    @extend_schema(
        operation_id="roster_batch_apply",
        summary="应用名单批次",
        description="把待确认的批次写入登记册：新增人员和类别、终止退出和变更掉的类别，一个事务内全部写入或全部不写入；"
                    "应用时按登记册当时的状态重新比对。名单将结束较多类别认定时须带 allow_exits 等于将结束的认定数，"
                    "否则拒绝并说明。已应用或失败的批次不能再应用；应用失败时批次标为失败，须重新推送。"
                    "应用后管理员可在名单比对页面撤销该批次。",
        request=RosterApplySerializer,
        parameters=[OpenApiParameter("batch_id", int, OpenApiParameter.PATH, description="批次号")],
        responses={200: RosterBatchSerializer},
        tags=["名单"],
    )
    def post(self, request, batch_id: str):
        body = RosterApplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        allow_exits = body.validated_data.get("allow_exits")
        batch = _own_batch(request, batch_id)
        self.audit_area = batch.area_code
        try:
            roster_batch_confirm(batch=batch, user=request.user, allow_exits=allow_exits)
        except DjangoValidationError as exc:
            if exc.code == "exits_unconfirmed":
                raise _refused("allow_exits", exc) from None
            raise
        apply_roster_batch.call(batch.pk, request.user.pk, allow_exits)  # as the roster page does
        batch.refresh_from_db()
        self.audit_counts = _outcome_counts(batch)
        if batch.status == RosterBatch.Status.FAILED:
            return problem("invalid", batch.error, instance=reverse("api:roster", args=[batch.pk]))
        effect = batch_effect(batch)
        self.audit_counts |= {"people_created": effect.people, "households_created": effect.households,
                              "holdings_created": effect.holdings, "holdings_ended": effect.ended}
        return Response(batch_answer(request.user, batch))
