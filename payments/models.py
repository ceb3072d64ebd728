"""Payment batches (拨付批次): what the funds paid the hospitals for bills settled at the window.

A batch and its lines are written once and never changed or deleted (docs/payables.md): a mistake, or a
payment that moved after its bill was paid out, is settled by a line of a later batch (补付 / 追回), which
names the ``claims.Adjustment`` it settles. Two constraints keep every amount in one batch only: a
(bill, fund) is paid out (拨付) once, and an adjustment is settled once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from claims.models import MONEY, ClaimRowQuerySet
from policies.document import FUNDS


class BatchQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Batches of the user's area and batches covering it (a county's batch is seen by its townships,
        whose pages then show only the lines of their own area)."""
        prefix = user.area_prefix
        if not prefix:
            return self
        covering = [prefix[:length] for length in range(len(prefix))]
        return self.filter(Q(area_code__startswith=prefix) | Q(area_code__in=covering))


class PaymentBatch(models.Model):
    """One payment run: every bill due up to ``through`` in ``area_code`` (and ``hospital``, when given), and
    every 补付 / 追回 of that area not yet settled."""

    number = models.CharField("批次号", max_length=20, unique=True, help_text="拨付年月-序号，如 2017-12-001")
    paid_on = models.DateField("拨付日期")
    through = models.DateField("出院日期截至")
    area_code = models.CharField("区域代码", max_length=12, blank=True, help_text="区域代码前缀；空为不限区域")
    hospital = models.ForeignKey(
        "claims.Hospital", verbose_name="仅限医疗机构", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    bills = models.PositiveIntegerField("首次拨付账单数")
    total = models.DecimalField("合计", **MONEY)
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    objects = BatchQuerySet.as_manager()

    class Meta:
        verbose_name = "拨付批次"
        verbose_name_plural = "拨付批次"
        ordering = ["-paid_on", "-number"]

    def __str__(self):
        return f"拨付批次 {self.number}"


class BatchLine(models.Model):
    """What one fund paid (or takes back from) the hospital for one bill in one batch."""

    class Kind(models.TextChoices):
        PAYOUT = "payout", "拨付"
        TOP_UP = "top_up", "补付"
        RECOVERY = "recovery", "追回"

    batch = models.ForeignKey(PaymentBatch, verbose_name="批次", on_delete=models.PROTECT, related_name="lines")
    claim = models.ForeignKey("claims.Claim", verbose_name="账单", on_delete=models.PROTECT, related_name="+")
    hospital = models.ForeignKey("claims.Hospital", verbose_name="医疗机构", on_delete=models.PROTECT,
                                 related_name="+")
    fund = models.CharField("资金", max_length=12, choices=list(FUNDS.items()))
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    amount = models.DecimalField("金额", **MONEY, help_text="追回为负数")
    adjustment = models.ForeignKey(
        "claims.Adjustment", verbose_name="补付/追回记录", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ClaimRowQuerySet.as_manager()

    class Meta:
        verbose_name = "拨付明细"
        verbose_name_plural = "拨付明细"
        ordering = ["batch", "hospital", "claim", "id"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "fund"], condition=Q(kind="payout"),
                                    name="payout_once_per_claim_and_fund"),
            models.UniqueConstraint(fields=["adjustment"], condition=Q(adjustment__isnull=False),
                                    name="adjustment_settled_once"),
            models.CheckConstraint(condition=Q(kind="payout", adjustment__isnull=True)
                                   | (~Q(kind="payout") & Q(adjustment__isnull=False)),
                                   name="adjustment_lines_name_their_adjustment"),
        ]

    def __str__(self):
        return f"{self.batch.number} {self.get_kind_display()} #{self.claim_id} {self.get_fund_display()} {self.amount}"


class BatchSequence(models.Model):
    """The last batch number of a month; its row is locked while a batch of that month is written, so two
    administrators confirming at once get consecutive numbers."""

    month = models.CharField("拨付年月", max_length=7, primary_key=True)
    last = models.PositiveIntegerField("最后序号", default=0)

    class Meta:
        verbose_name = "拨付批次序号"
        verbose_name_plural = "拨付批次序号"
