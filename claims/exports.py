from beneficiaries.idnumbers import mask
from spreadsheets.writing import simple_workbook

ADJUSTMENT_HEADERS = ["时间", "类型", "姓名", "身份证号", "医疗机构", "出院/就诊日期", "账单号", "保障层次", "资金",
                      "原支付", "新支付", "差额", "操作人"]


def adjustments_workbook(adjustments, user):
    """补付/追回清单 for the finance office; ID numbers masked unless the user may see them."""
    show = user.sees_sensitive
    rows = (
        [a.created_at.strftime("%Y-%m-%d %H:%M"), a.get_kind_display(), a.claim.beneficiary.name,
         a.claim.beneficiary.id_number if show else mask(a.claim.beneficiary.id_number), a.claim.hospital.name,
         a.claim.discharged_on.isoformat(), str(a.claim_id), a.name, a.get_fund_display(), a.before, a.after,
         a.difference, str(a.created_by)]
        for a in adjustments
    )
    return simple_workbook("补付追回清单", ADJUSTMENT_HEADERS, rows)
