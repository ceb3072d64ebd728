"""The downloadable template of every import, by name, and the page that serves them.

Each template is built from its importer's own alias table and required fields
(``spreadsheets.import_templates``); what this module adds is what a clerk needs to fill one in: what each
column takes and an example row the importer accepts (its village 500242100201 and household Y10000001 are
the demo county's). The same names serve ``manage.py import_template``.
"""

from __future__ import annotations

from django.http import FileResponse, Http404

from claims import imports as claim_imports
from employment import survey_import
from health import contract_import
from monitoring import visits
from projects import participation_import
from regions.management.commands import import_regions
from rosters import files as roster_files
from spreadsheets.import_templates import ImportTemplate, TemplateColumn

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXAMPLE_ID = "500242198001011238"
EXAMPLE_HEAD_ID = "500242195512030023"
ID_NOTE = "身份证号请按文本填写（单元格格式为“文本”，或前加英文单引号），否则 Excel 会把 18 位数字改成科学计数法。"


def _roster(name: str, category: str) -> ImportTemplate:
    return ImportTemplate(
        name=name,
        aliases=roster_files.ROSTER_COLUMNS,
        required=roster_files.ROSTER_REQUIRED,
        columns=[
            TemplateColumn("id_number", "18 位身份证号。", EXAMPLE_ID),
            TemplateColumn("name", "与身份证一致的姓名。", "冉小红"),
            TemplateColumn(
                "category",
                "该部门认定的身份类别，多个用顿号分隔；整表同属一个类别时可不填本列，上传时填写“整表类别”。",
                category,
            ),
            TemplateColumn("village", "所在村的 12 位统计用区划代码。", "500242100201"),
            TemplateColumn("head_id_number", "户主的身份证号；新增人员据此归户，户主本人填自己的。", EXAMPLE_HEAD_ID),
            TemplateColumn("relation", "与户主关系：本人、配偶、子、女、父亲、母亲等。", "子"),
            TemplateColumn("phone", "联系电话。", "13800000000"),
        ],
        notes=[
            ID_NOTE,
            "名单应为本月在册的全部人员：名单上没有的人，其该部门认定的类别会在应用时结束（退出）。",
        ],
    )


TEMPLATES = {
    "roster-civil-affairs": _roster("民政部门名单模板", "农村低保"),
    "roster-poverty-office": _roster("扶贫部门名单模板", "脱贫户"),
    "enrollment": ImportTemplate(
        name="参保名单模板",
        aliases=roster_files.ENROLLMENT_COLUMNS,
        required=roster_files.ENROLLMENT_REQUIRED,
        columns=[
            TemplateColumn("id_number", "18 位身份证号。", EXAMPLE_ID),
            TemplateColumn("name", "姓名（核对用）。", "冉小红"),
            TemplateColumn("insurance", "险种：城乡居民医保（城乡居民基本医疗保险）或 补充医疗保险。", "城乡居民医保"),
            TemplateColumn("status", "参保状态：已参保 或 未参保。", "已参保"),
            TemplateColumn("subsidy", "财政补助金额（元），未资助填 0 或留空。", "90"),
            TemplateColumn("reason", "未参保时的原因：异地参保、参加职工医保、死亡 等；已参保留空。", ""),
        ],
        notes=[ID_NOTE],
    ),
    "claims": ImportTemplate(
        name="结算清单模板",
        aliases=claim_imports.ALIASES,
        required=claim_imports.REQUIRED,
        columns=[
            TemplateColumn("id_number", "患者 18 位身份证号。", EXAMPLE_ID),
            TemplateColumn("name", "患者姓名，须与登记一致。", "冉小红"),
            TemplateColumn("visit_type", "就诊类型：普通门诊 / 门诊特慢病 / 住院。", "住院"),
            TemplateColumn("hospital", "医疗机构名称。", "酉阳县人民医院"),
            TemplateColumn("hospital_code", "医疗机构编码（可选，填写后按编码认机构）。", ""),
            TemplateColumn("level", "医疗机构等级：村 / 乡镇 / 县级 / 市级 / 省级；新医疗机构必填。", "县级"),
            TemplateColumn("in_county", "是否县域内机构：是 / 否（仅供管理员为新建的医疗机构分类时参考，分类前按县域外）。", "是"),
            TemplateColumn("admitted_on", "入院日期 YYYY-MM-DD（住院填写）。", "2026-03-02"),
            TemplateColumn("discharged_on", "出院日期 YYYY-MM-DD；门诊填“就诊日期”列。", "2026-03-09"),
            TemplateColumn("visit_on", "门诊的就诊日期 YYYY-MM-DD（住院可不填）。", ""),
            TemplateColumn("admission_number", "医院的住院号或门诊号（可选，打印在结算单上）。", "ZY2026030021"),
            TemplateColumn("invoice_number", "医疗收费票据（发票）号码（可选，打印在结算单上）。", "50024226000123"),
            TemplateColumn("diagnoses", "诊断编码（ICD-10），多个用逗号分隔。", "I10.x00"),
            TemplateColumn("total", "医疗费总额（元）。", "8000.00"),
            TemplateColumn("in_catalog", "政策范围内费用（元），不超过总费用。", "7000.00"),
            TemplateColumn("basic", "基本医保已支付（元，可选，平台已结算时填写）。", ""),
            TemplateColumn("critical", "大病保险已支付（元，可选）。", ""),
            TemplateColumn("assistance", "医疗救助已支付（元，可选）。", ""),
            TemplateColumn("other", "其他保障已支付（元，可选）。", ""),
            TemplateColumn("referred", "是否按规定转诊：是 / 否。", "是"),
            TemplateColumn("pay_later", "是否先诊疗后付费：是 / 否。", "否"),
            TemplateColumn("platform_settlement_id", "医保平台的结算ID（可选）：填写后同一结算ID只结算一次。", ""),
            TemplateColumn("cancelled", "退费结算标志（可选）：1 表示医保平台已撤销该结算ID的结算，作废其账单，"
                                        "此行只需填结算ID。", ""),
        ],
        notes=[ID_NOTE, "全部行有效才会写入；已导入过的账单（有结算ID的按结算ID，其余按同一人、机构、日期、总费用）"
                        "自动跳过。"],
    ),
    "visits": ImportTemplate(
        name="政策宣传走访记录模板",
        aliases=visits.ALIASES,
        required=visits.REQUIRED,
        columns=[
            TemplateColumn("household", "户编号；与“户主身份证号”填一项即可，都填时须为同一户。", "Y10000001"),
            TemplateColumn("head_id", "户主身份证号（未填户编号时按此找户）。", ""),
            TemplateColumn("visited_on", "走访日期 YYYY-MM-DD，不晚于今天。", "2026-03-15"),
            TemplateColumn("visitor", "走访人姓名。", "冉帮扶"),
            TemplateColumn("items", "宣传内容：政策宣传、明白卡送达，两项都有用顿号分隔。", "政策宣传、明白卡送达"),
            TemplateColumn("note", "备注（可选）。", ""),
        ],
        notes=["同一户、同一日期、同一走访人已登记的走访自动跳过。"],
    ),
    "contracts": ImportTemplate(
        name="家庭医生签约名单模板",
        aliases=contract_import.ALIASES,
        required=contract_import.REQUIRED,
        columns=[
            TemplateColumn("id_number", "户中任一成员的 18 位身份证号（或填“户编号”列）。", EXAMPLE_HEAD_ID),
            TemplateColumn("household", "户编号（可选；与身份证号都填时须为同一户）。", ""),
            TemplateColumn("team", "家庭医生签约团队名称。", "龙潭镇卫生院第一团队"),
            TemplateColumn("doctor", "签约医生姓名。", "冉医生"),
            TemplateColumn("doctor_phone", "医生电话（可选）。", "13800000001"),
            TemplateColumn("clinic", "签约机构：乡镇卫生院、社区卫生服务中心或村卫生室。", "龙潭镇卫生院"),
            TemplateColumn("package", "服务包：基础包、慢病包、个性化包等。", "基础包"),
            TemplateColumn("signed_on", "签约日期 YYYY-MM-DD，不晚于今天。", "2026-01-05"),
            TemplateColumn("starts_on", "生效日期 YYYY-MM-DD（可选，空为签约日期），不早于签约日期。", "2026-01-05"),
            TemplateColumn("ends_on", "到期日期 YYYY-MM-DD（可选，空为生效后一年减一天）。", "2027-01-04"),
        ],
        notes=[ID_NOTE, "每户一行，只能是您管辖区域内已登记的家庭户；同一户同一时间只能有一份有效签约。",
               "原签约到期次日生效、或同一团队在原签约到期后再签的，按续签登记；与已有签约完全相同的行跳过。",
               "有一行错误则整份名单不导入：请按导入报告更正后重新上传。"],
    ),
    "participation": ImportTemplate(
        name="产业参与名单模板",
        aliases=participation_import.ALIASES,
        required=participation_import.REQUIRED,
        columns=[
            TemplateColumn("id_number", "参与人的 18 位身份证号。", EXAMPLE_ID),
            TemplateColumn("name", "姓名，须与登记一致。", "冉小红"),
            TemplateColumn("labour_capacity", "劳动能力（可选）：有劳动能力 / 弱劳动能力 / 无劳动能力（也可写普通劳动力、"
                                              "技能劳动力、弱劳动力或半劳动力、丧失劳动力）。", "有劳动能力"),
            TemplateColumn("project", "项目库中的项目编号（可选）；只登记劳动能力时不填。", "LT2026001"),
            TemplateColumn("role", "参与方式（填写项目编号时必填）：务工就业、种养户（自主发展）、入股分红（资产收益）、"
                                   "土地流转、公益岗位、其他。", "务工就业"),
            TemplateColumn("starts_on", "参与日期 YYYY-MM-DD（填写项目编号时必填），不晚于今天。", "2026-03-01"),
        ],
        notes=[ID_NOTE, "每行至少填写劳动能力或项目编号之一；只能是您管辖区域内的在册人员和已立项的项目。",
               "已在该项目中（未退出）的人员、劳动能力与登记相同的行自动跳过。",
               "有一行错误则整份名单不导入：请按导入报告更正后重新上传。"],
    ),
    "surveys": ImportTemplate(
        name="贫困家庭子女摸排表模板",
        aliases=survey_import.ALIASES,
        required=survey_import.REQUIRED,
        columns=[
            TemplateColumn("id_number", "子女的 18 位身份证号（已登记并归户的在册人员）。", EXAMPLE_ID),
            TemplateColumn("name", "姓名，须与登记一致。", "冉小红"),
            TemplateColumn("year", "摸排年度（可选，空为摸排日期所在年）。", "2026"),
            TemplateColumn("school", "毕业或就读的学校。", "酉阳县职业教育中心"),
            TemplateColumn("level", "学历层次：普通高校、高职（专科）、中职 或 其他（也可写 高职、大专、中专、技校、"
                                    "职高）。", "中职"),
            TemplateColumn("major", "所学专业（可选）。", "汽车运用与维修"),
            TemplateColumn("graduation_year", "毕业（或预计毕业）年份，如 2026；也可写毕业时间 2026.06、2026年6月。", "2026"),
            TemplateColumn("intention", "就业意向（可选）：县内企业、外出务工、事业单位、继续升学等。", "县内企业"),
            TemplateColumn("wants_business", "有无创业愿望：是 / 否（不填为否）。", "否"),
            TemplateColumn("business_plan", "创业意向（可选，有创业愿望时填写）。", ""),
            TemplateColumn("needs", "帮扶需求（可选）：技能培训、岗位推荐、创业贷款、求职补贴等。", "岗位推荐"),
            TemplateColumn("surveyed_on", "摸排日期 YYYY-MM-DD，不晚于今天，且在摸排年度内。", "2026-03-15"),
            TemplateColumn("surveyed_by", "摸排人姓名。", "冉帮扶"),
        ],
        notes=[ID_NOTE, "每人一行，只能是您管辖区域内已归户的在册人员；同一人每年一条摸排记录。",
               "当年已有摸排记录的：内容不同的更新（原记录留在变更记录中），完全相同的跳过。",
               "有一行错误则整份摸排表不导入：请按导入报告更正后重新上传。"],
    ),
    "regions": ImportTemplate(
        name="乡镇和村区划模板",
        aliases=import_regions.ALIASES,
        required=import_regions.REQUIRED,
        columns=[
            TemplateColumn("code", "9 位乡镇或 12 位村的统计用区划代码。", "500242100201"),
            TemplateColumn("name", "乡镇或村的名称。", "红花村"),
        ],
    ),
}


def template_response(name: str) -> FileResponse:
    """The template ``name`` as an attachment; an unknown name is a 404."""
    template = TEMPLATES.get(name)
    if template is None:
        raise Http404("没有这个导入模板。")
    return FileResponse(
        template.workbook(), as_attachment=True, filename=f"{template.name}.xlsx", content_type=XLSX
    )


def import_template(request, name: str):
    """Any signed-in user may take a blank form: it holds headers and a made-up example, no one's data."""
    return template_response(name)
