"""The survey list in the browser: upload → preview → apply or discard → report (``beneficiaries.list_pages``),
on the same services as ``manage.py survey_import``."""

from __future__ import annotations

from beneficiaries.list_pages import ListImport
from employment.survey_import import (
    UPLOAD_PERMISSION,
    Outcome,
    survey_batch_apply,
    survey_batch_discard,
    survey_batch_upload,
    survey_batches_visible_to,
)
from employment.survey_report import survey_report_write


SURVEY_LIST = ListImport(
    file_label="摸排表文件（xlsx / xls / csv）",
    columns=("列：身份证号、姓名、摸排年度（可选，空为摸排日期所在年）、毕业（就读）学校、学历层次、专业、"
            "毕业年份（或毕业时间）、就业意向、创业愿望（是/否）、创业意向、帮扶需求、摸排日期、摸排人。"),
    namespace="surveys", template="surveys", detail_template="employment/survey_batch_detail.html",
    visible_to=survey_batches_visible_to, upload=survey_batch_upload, apply=survey_batch_apply,
    discard=survey_batch_discard, report_write=survey_report_write,
    outcomes=Outcome, first_tab=(Outcome.ERROR, Outcome.NEW, Outcome.UPDATED, Outcome.UNCHANGED),
    view_permission="employment.view_surveybatch", upload_permission=UPLOAD_PERMISSION,
    title="贫困家庭子女摸排表", noun="摸排表", whole="摸排表", written="摸排记录", compared_with="登记信息",
    list_note="每年一次的摸排表上传后先逐行比对（新增、更新、相同、错误），只保存本批次；没有错误时确认导入，"
              "才在一个事务内登记全部摸排记录。",
    upload_note="上传后逐行与登记的人员和已有摸排记录比对，只保存本批次，不登记任何摸排记录；确认导入后才写入。"
                "摸排表只能包含您管辖区域内已归户的在册人员，每人一行。",
    done="新增 {new} 人，更新 {updated} 人，相同跳过 {unchanged} 人",
    asked="确认导入摸排表 #{pk}？将新增摸排记录 {new} 人、更新 {updated} 人，相同的 {unchanged} 人跳过。",
    report_name="摸排表导入报告", report_key="survey",
)
