"""The contract list in the browser: upload → preview → apply or discard → report (``beneficiaries.list_pages``),
on the same services as ``manage.py contract_import``."""

from __future__ import annotations

from beneficiaries.list_pages import ListImport
from health.contract_import import (
    UPLOAD_PERMISSION,
    Outcome,
    contract_batch_apply,
    contract_batch_discard,
    contract_batch_upload,
    contract_batches_visible_to,
)
from health.contract_report import contract_report_write


CONTRACT_LIST = ListImport(
    file_label="签约名单文件（xlsx / xls / csv）",
    columns=("列：身份证号（户中任一成员，或户编号）、签约团队、签约医生、医生电话（可选）、签约机构、"
            "服务包、签约日期、生效日期（空为签约日期）、到期日期（空为生效后一年）。"),
    namespace="health", template="contracts", detail_template="health/batch_detail.html",
    visible_to=contract_batches_visible_to, upload=contract_batch_upload, apply=contract_batch_apply,
    discard=contract_batch_discard, report_write=contract_report_write,
    outcomes=Outcome, first_tab=(Outcome.ERROR, Outcome.NEW, Outcome.RENEWAL, Outcome.UNCHANGED),
    view_permission="health.view_contractbatch", upload_permission=UPLOAD_PERMISSION,
    title="家庭医生签约名单", noun="签约名单", whole="名单", written="签约", compared_with="登记信息",
    list_note="卫健部门的签约名单上传后先逐行比对（新签约、续签、已有相同签约、错误），只保存本批次；没有错误时确认导入，"
              "才在一个事务内登记全部签约。",
    upload_note="上传后逐行与登记的家庭户和已有签约比对，只保存本批次，不登记任何签约；确认导入后才写入。"
                "名单只能包含您管辖区域内的家庭户，每户一行。",
    done="新签约 {new} 户，续签 {renewal} 户，已有相同签约跳过 {unchanged} 户",
    asked="确认导入签约名单 #{pk}？将登记新签约 {new} 户、续签 {renewal} 户，已有相同签约的 {unchanged} 户跳过。",
    report_name="签约名单导入报告", report_key="contract",
    links=(("health:coverage", "健康扶贫覆盖情况"),),
)
