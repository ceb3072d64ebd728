"""The demo county's funds (seed 004): the layer funds of the 酉阳 policy with their yearly totals, and the
hardship fund of 附件6 with its limits and an expert pool of twelve; a few grants decided and paid for the people most burdened, so the
alert list and the funds page show relief. Idempotent."""

from __future__ import annotations

import datetime
from decimal import Decimal

from accounts.models import User
from assistance.models import Expert, Fund, FundYear, Grant
from assistance.services import fund_year_set, grant_decide, grant_pay
from beneficiaries.demo import COUNTY
from beneficiaries.models import Beneficiary
from monitoring.models import Alert, Level

# (code, name, kind, yearly total, limits of a grant-making fund)
FUNDS = [
    ("civil_fund", "民政扶贫济困医疗基金", Fund.Kind.LAYER, Decimal("20000000"), {}),
    ("supplement_in", "医保大病医疗商业再补充保险（目录内）", Fund.Kind.LAYER, Decimal("6000000"), {}),
    ("supplement_out", "医保大病医疗商业再补充保险（目录外）", Fund.Kind.LAYER, Decimal("4000000"), {}),
    ("hardship", "卫生医疗困难救助基金", Fund.Kind.GRANTS, Decimal("10000000"),
     {"grants_per_year": 2, "amount_per_year": Decimal("20000"), "chronic_cap": Decimal("5000"),
      "major_cap": Decimal("10000")}),
    ("temporary", "临时救助资金", Fund.Kind.GRANTS, Decimal("3000000"), {}),
]
GRANTED = 5  # the most burdened people of the year get a 临时救助, paid
EXPERTS = [("冉光明", "县人民医院", "心血管内科"), ("田晓燕", "县人民医院", "肾内科"), ("白云松", "县人民医院", "肿瘤科"),
           ("何世平", "县中医院", "中医内科"), ("石春兰", "县中医院", "康复科"), ("杨志刚", "县人民医院", "神经内科"),
           ("陈红梅", "县妇幼保健院", "儿科"), ("彭建华", "县人民医院", "普外科"), ("龚明", "县疾控中心", "慢病管理"),
           ("冉秀英", "县精神病医院", "精神科"), ("李国强", "县人民医院", "呼吸内科"), ("张兰", "县中医院", "骨伤科")]


def load_funds(actor: User, year: int, today: datetime.date) -> int:
    """The funds and their totals for ``year`` and the year before; returns the grants added."""
    funds = {}
    for code, name, kind, total, limits in FUNDS:
        funds[code], _ = Fund.objects.get_or_create(code=code, region_id=COUNTY,
                                                    defaults={"name": name, "kind": kind, **limits})
        for each in (year - 1, year):
            if not FundYear.objects.filter(fund=funds[code], year=each).exists():
                fund_year_set(user=actor, fund=funds[code], year=each, budget=total)
    if not Expert.objects.filter(region_id=COUNTY).exists():
        Expert.objects.bulk_create(Expert(region_id=COUNTY, name=name, unit=unit, specialty=specialty)
                                   for name, unit, specialty in EXPERTS)
    if Grant.objects.filter(year=year).exists():
        return 0
    day = min(today, datetime.date(year, 12, 31))
    over = Alert.objects.filter(year=year, level=Level.OVER, beneficiary__status=Beneficiary.Status.ACTIVE)
    chosen = list(over.select_related("beneficiary").order_by("-burden")[:GRANTED])
    for alert in chosen:
        grant = grant_decide(
            user=actor, person=alert.beneficiary, year=year, kind=Grant.Kind.TEMPORARY, fund=funds["temporary"],
            amount=Decimal("5000"), decided_on=day, reason="重大疾病住院，个人自付过重，基本生活陷入困境（演示数据）")
        grant_pay(user=actor, grant=grant, paid_on=day)
    return len(chosen)
