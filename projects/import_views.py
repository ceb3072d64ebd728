"""The participation list in the browser: upload → preview → apply or discard → report
(``beneficiaries.list_pages``; a row may have two outcomes), on the same services as ``manage.py
participation_import``."""

from __future__ import annotations

from beneficiaries.list_pages import ListImport
from projects.participation_import import (
    UPLOAD_PERMISSION,
    Outcome,
    participation_batch_apply,
    participation_batch_discard,
    participation_batch_upload,
    participation_batches_visible_to,
)
from projects.participation_report import participation_report_write


PARTICIPATION_LIST = ListImport(
    file_label="参与名单文件（xlsx / xls / csv）",
    columns=("列：身份证号、姓名、劳动能力（可选）、项目编号（可选；填写时参与方式和参与日期必填）、"
            "参与方式、参与日期。每行至少填写劳动能力或项目编号之一。"),
    namespace="participation_lists", template="participation", detail_template="projects/list_detail.html",
    visible_to=participation_batches_visible_to, upload=participation_batch_upload,
    apply=participation_batch_apply, discard=participation_batch_discard, report_write=participation_report_write,
    outcomes=Outcome,
    first_tab=(Outcome.ERROR, Outcome.NEW, Outcome.CAPACITY_CHANGED, Outcome.ALREADY, Outcome.CAPACITY_SAME),
    view_permission="projects.view_participationbatch", upload_permission=UPLOAD_PERMISSION,
    title="产业参与名单", noun="参与名单", whole="名单", written="参与或劳动能力", compared_with="登记信息和项目库",
    list_note="乡镇的项目参与名单和扶贫部门的劳动能力名单上传后先逐行比对（新参与、已在项目中、劳动能力变更、劳动能力相同、错误），"
              "只保存本批次；没有错误时确认导入，才在一个事务内登记全部参与和劳动能力。",
    upload_note="上传后逐行与登记册、项目库和已有参与比对，只保存本批次，不登记任何参与或劳动能力；确认导入后才写入。"
                "名单只能包含您管辖区域内的在册人员和项目。",
    done="新参与 {new} 人次，已在项目中跳过 {already} 人次，劳动能力变更 {capacity_changed} 人，"
         "劳动能力相同跳过 {capacity_same} 人",
    asked="确认导入参与名单 #{pk}？将登记{done}。",
    report_name="产业参与名单导入报告", report_key="participation",
)
