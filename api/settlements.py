"""Settlements pushed by the medical-insurance platform, in its own field names.

A batch is the settlement list import run on the batch's items (``claims.imports.claims_import_records``): the
reading, checking and settling a clerk's uploaded list goes through, all or nothing, item n read as row n. So the
serializer here only describes the fields; the import's reader checks them and names what is wrong. The answer
gives each item's bill with its payments by layer as they stand after the whole batch (a later bill of a person's
year may have settled an earlier one again).

Idempotent on the platform's settlement ID (``setl_id``): a settlement already entered is skipped and answered
with its bill, so a batch pushed again (after a timeout, say) changes nothing. A cancelled platform settlement
(``refd_setl_flag`` = "1") voids the bill of its ID as a clerk voids one, the person's later bills of the year
settled again.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from api.base import PartnerEndpoint
from api.models import Scope
from api.problems import ItemError
from claims.imports import NO_COLUMN, RowResult, claims_import_records
from claims.models import Claim, SettlementPayment
from claims.selectors import claims_visible, with_current_settlement
from policies.document import FUNDS

BATCH_MAX = 1000
BATCH_SIZE = f"一个批次 1 至 {BATCH_MAX} 项；更多请分批推送。"
SETL_ID_MISSING = "请给出医保平台的结算ID（setl_id）：同一结算ID只结算一次，撤销结算也凭它找到账单。"
ITEMS_REFUSED = "批次中有 {count} 处错误，整批未写入任何数据；请修正后重新推送整个批次。"
MONEY = {"max_digits": 14, "decimal_places": 2}


def _text(help_text: str) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, allow_null=True, help_text=help_text)


@extend_schema_field({"type": "string", "example": "1234.56"})
class AmountField(serializers.CharField):
    """An amount in yuan as the platform sends it, text or a JSON number."""

    def __init__(self, name: str, note: str = ""):
        super().__init__(required=False, allow_blank=True, allow_null=True,
                         help_text=f"{name}（元，如 \"1234.56\"，也可为 JSON 数字）{'：' if note else ''}{note}")


def _flag(help_text: str) -> serializers.BooleanField:
    return serializers.BooleanField(required=False, allow_null=True, help_text=help_text)


class SettlementItemSerializer(serializers.Serializer):
    """One settlement as the platform gives it. Declared in the order messages prefer a field's names (the first
    of ``psn_cert_no``, ``certno``, ``id_number`` names the ID number when none is given)."""

    setl_id = serializers.CharField(
        error_messages={"required": SETL_ID_MISSING, "blank": SETL_ID_MISSING, "null": SETL_ID_MISSING},
        help_text="医保平台的结算ID（必填，最长 40 个字符）。同一结算ID只结算一次：再次推送时跳过，答复已有的账单；"
                  "撤销结算凭它找到账单")
    refd_setl_flag = _text("退费结算标志：1 表示医保平台已撤销（退费）结算 setl_id，作废其账单，此时只需 setl_id 与本字段；"
                           "0 或不填为正常结算")
    cancelled = _flag("与 refd_setl_flag 同义：true 表示撤销结算 setl_id")
    psn_no = _text("医保平台人员编号：可以传送，但不用于匹配人员（人员按身份证号在登记册中查找）")
    psn_cert_no = _text("身份证号（18 位，结算时必填）：按它在登记册中匹配人员，人员须在本对接系统的区域内；"
                        "也可用 certno 或 id_number 传送")
    certno = _text("身份证号，同 psn_cert_no")
    id_number = _text("身份证号，同 psn_cert_no")
    psn_name = _text("姓名：填写时须与登记一致")
    med_type = _text("医疗类别（结算时必填）：11 普通门诊 / 14 门诊慢特病 / 21 普通住院，"
                     "或 普通门诊 / 门诊特慢病 / 住院")
    fixmedins_code = _text("定点医药机构编号：按编号认医疗机构（名称不同也认得），新医疗机构记下此编号")
    fixmedins_name = _text("定点医药机构名称（结算时必填）")
    level = _text("医疗机构等级：村 / 乡镇 / 县级 / 市级 / 省级；系统中还没有的医疗机构必填")
    in_county = _flag("是否县域内医疗机构：只作为新建医疗机构的分类参考，管理员分类前按县域外")
    begndate = _text("入院日期（住院）：YYYY-MM-DD，或 YYYY-MM-DD HH:MM:SS")
    enddate = _text("出院日期：YYYY-MM-DD，或 YYYY-MM-DD HH:MM:SS；与 setl_time 至少填一个")
    setl_time = _text("结算时间：没有出院日期时（门诊）作为就诊日期，YYYY-MM-DD HH:MM:SS")
    dise_codg = _text("诊断编码（ICD-10），多个用逗号分隔")
    medfee_sumamt = AmountField("医疗费总额", "结算时必填")
    inscp_scp_amt = AmountField("符合政策范围金额", "结算时必填，不超过医疗费总额")
    hifp_pay = AmountField("基本医疗保险统筹基金支出", "记为政策中第一个适用的基本医保层次的已付金额")
    hifmi_pay = AmountField("大病保险资金支出", "记为第一个适用的大病保险层次的已付金额")
    maf_pay = AmountField("医疗救助基金支出", "记为第一个适用的医疗救助层次的已付金额")
    oth_pay = AmountField("其他支出", "记为第一个适用的其他保障层次的已付金额")
    psn_part_amt = AmountField("个人负担总金额", "可以传送，但不参与计算；个人自付由本系统按各保障层次算出（见答复的 personal）")
    refl_flag = _text("转诊标志：1 已按规定转诊（或已备案），0 或不填为否")
    pay_later = _flag("是否先诊疗后付费")
    ipt_otp_no = _text("住院号或门诊号（打印在结算单上）")


class SettlementBatchSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=SettlementItemSerializer(), min_length=1, max_length=BATCH_MAX,
        error_messages={"min_length": BATCH_SIZE, "max_length": BATCH_SIZE},
        help_text=f"本批的结算（1 至 {BATCH_MAX} 项）。整批要么全部写入，要么（有任何一项错误时）全不写入；"
                  "错误按项的序号（从 1 开始）和字段名答复")


class SettlementPaymentSerializer(serializers.Serializer):
    layer = serializers.CharField(help_text="保障层次代码（政策中的代码）")
    name = serializers.CharField(help_text="保障层次名称")
    fund = serializers.CharField(help_text="资金：" + " / ".join(f"{code} {name}" for code, name in FUNDS.items()))
    amount = serializers.DecimalField(**MONEY, help_text="支付金额（元）")
    recorded = serializers.BooleanField(help_text="是否医保平台已结算的金额（由推送的 hifp_pay 等记入，而非本系统计算）")


class SettlementResultSerializer(serializers.Serializer):
    item = serializers.IntegerField(help_text="批次中的第几项（从 1 开始）")
    setl_id = serializers.CharField(help_text="该项的结算ID")
    outcome = serializers.ChoiceField(
        choices=[("settled", "已结算"), ("skipped", "已有此结算（或已撤销），跳过"), ("voided", "撤销结算，账单已作废")],
        help_text="本次推送的结果：settled 新结算 / skipped 已有此结算ID的账单（或已作废），未改变任何数据 / "
                  "voided 撤销结算，账单已作废")
    claim = serializers.IntegerField(help_text="本系统的账单号（账单 #）")
    status = serializers.ChoiceField(choices=Claim.Status.choices, help_text="账单现在的状态：settled 已结算 / voided 已作废")
    number = serializers.CharField(allow_null=True, help_text="结算单号（打印在结算单上）；已作废的账单为空")
    total = serializers.DecimalField(**MONEY, help_text="医疗费总额（元）")
    personal = serializers.DecimalField(**MONEY, allow_null=True,
                                        help_text="个人自付（元）：总费用减去各保障层次的支付；已作废的账单为空")
    payments = SettlementPaymentSerializer(many=True, help_text="各保障层次的支付（按政策顺序，含本县各层次）；已作废的账单为空")


class SettlementCountsSerializer(serializers.Serializer):
    items = serializers.IntegerField(help_text="本批项数")
    settled = serializers.IntegerField(help_text="新结算的账单数")
    skipped = serializers.IntegerField(help_text="已有而跳过的项数")
    voided = serializers.IntegerField(help_text="撤销结算而作废的账单数")


class SettlementAnswerSerializer(serializers.Serializer):
    results = SettlementResultSerializer(many=True, help_text="逐项结果，与批次同序")
    counts = SettlementCountsSerializer(help_text="本批的数量")


class SettlementPush(PartnerEndpoint):
    scope = Scope.PUSH_SETTLEMENTS

    @extend_schema(
        operation_id="settlements_push",
        summary="推送医保平台的结算",
        description="医保信息平台结算后推送结算信息（使用平台自己的字段名），本系统按人员的身份类别逐张计算县级各保障层次"
                    "（与窗口录入、批量导入同一套结算），答复每张账单各保障层次的支付和个人自付。"
                    "按 setl_id 幂等：同一批再推送一次不会改变任何数据，答复同样的账单。"
                    "refd_setl_flag 为 1 的项撤销该结算ID的账单，此人当年其后的账单随之重算。"
                    "整批全部有效才写入；任何一项有误时答复 400，errors 逐项列出序号、字段名和原因，不写入任何数据。"
                    "人员须在本对接系统的区域内。下列以外的字段不读取，平台可原样传送整条结算信息。",
        request=SettlementBatchSerializer,
        responses={200: SettlementAnswerSerializer},
        tags=["结算"],
    )
    def post(self, request):
        batch = SettlementBatchSerializer(data=request.data)
        batch.is_valid(raise_exception=True)
        items = batch.validated_data["items"]
        fields = list(SettlementItemSerializer().fields)
        report = claims_import_records(
            user=request.user, records=[{name: item.get(name) for name in fields} for item in items], apply=True)
        if report.errors:
            self.audit_counts = {"items": len(items), "errors": len(report.errors)}
            errors = sorted(report.errors, key=lambda error: error.row)
            raise ItemError(
                [{"item": error.row, "field": None if error.column == NO_COLUMN else error.column, "message": error.message}
                 for error in errors],
                ITEMS_REFUSED.format(count=len(errors)),
            )
        results = sorted(report.results, key=lambda result: result.row)
        bills = {claim.pk: claim for claim in with_current_settlement(
            claims_visible(request.user).filter(pk__in=[result.claim for result in results]))}
        payments = _payments([claim.current[0].pk for claim in bills.values() if _settled(claim)])
        counts = {"items": len(items), "settled": report.settled, "skipped": report.skipped, "voided": report.voided}
        self.audit_counts = counts
        self.audit_area = _narrowest_area({claim.beneficiary.village_id for claim in bills.values()})
        # Plain values in the answer's shape (SettlementAnswerSerializer describes it): a batch answers 500 bills
        # and 5,000 payments, which nested serializers would take most of a second to render.
        answer = [_result(result, items[result.row - 1]["setl_id"], bills[result.claim], payments)
                  for result in results]
        return Response({"results": answer, "counts": counts})


def _settled(claim: Claim) -> bool:
    return bool(claim.current) and claim.status == Claim.Status.SETTLED


def _payments(settlement_ids: list[int]) -> dict[int, list[dict]]:
    """Each settlement's payments by layer, in policy order, as the answer gives them: one query."""
    found: dict[int, list[dict]] = {pk: [] for pk in settlement_ids}
    for settlement, layer, name, fund, amount, recorded in SettlementPayment.objects.filter(
            settlement_id__in=settlement_ids).order_by("settlement_id", "position").values_list(
            "settlement_id", "layer", "name", "fund", "amount", "recorded"):
        found[settlement].append({"layer": layer, "name": name, "fund": fund, "amount": _money(amount),
                                  "recorded": recorded})
    return found


def _money(amount) -> str:
    return f"{amount:.2f}"


def _result(result: RowResult, setl_id: str, claim: Claim, payments: dict[int, list[dict]]) -> dict:
    settlement = claim.current[0] if _settled(claim) else None
    return {
        "item": result.row, "setl_id": setl_id, "outcome": result.outcome, "claim": claim.pk, "status": claim.status,
        "number": settlement.number if settlement else None, "total": _money(claim.total),
        "personal": _money(settlement.personal) if settlement else None,
        "payments": payments[settlement.pk] if settlement else [],
    }


def _narrowest_area(villages: set[str]) -> str:
    """The village, else the township, of every bill of the batch, for the call's record; else none (the
    partner's area is recorded)."""
    for length in (12, 9):
        if len({code[:length] for code in villages}) == 1:
            return next(iter(villages))[:length]
    return ""
