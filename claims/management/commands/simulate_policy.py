"""``manage.py simulate_policy FILE --year YYYY [--area CODE] [--out FILE.xlsx]``: 政策试算 (commands.md).

Settles every current bill of the year in the area again under the draft policy FILE and prints what
would change; writes nothing (``--out`` writes the Excel file, recorded in the access log as exports are).
"""

from accounts.cli import UserCommand, option_out, refused
from claims.simulation import draft_from_file, policy_simulate, simulation_export_write, simulation_summary


class Command(UserCommand):
    help = ("政策试算：用草案政策文件（JSON）重新结算某年度区域内的全部现行账单，与现行结算比较"
            "（按资金、层次、乡镇、身份类别，个人自付增减和新增超过监测标准的人员），不写入任何数据。")

    def add_command_arguments(self, parser):
        parser.add_argument("file", help="草案政策文件（JSON，格式同 load_policy）")
        parser.add_argument("--year", help="账单年度 YYYY（必填）")
        parser.add_argument("--area", default="", help="区域（区划代码前缀）；不填为您的管辖区域与草案适用区域中较小者")
        parser.add_argument("--out", help="另存 Excel 报告 .xlsx")

    def run(self, user, *, file, year, area, out, **options):
        if year is None:
            raise refused("请用 --year 指定账单年度，例如 --year 2024。")
        path = option_out(out, required=False)
        draft = draft_from_file(self.read_file(file), file)
        simulation = policy_simulate(
            user=user, draft=draft.policy, year=year, area=area,
            progress=lambda done: self.stderr.write(f"» 已试算 {done} 张账单"),
        )
        result = simulation_summary(simulation, mask_ids=not user.sees_sensitive)
        if path is not None:
            simulation_export_write(user=user, simulation=simulation, path=path)
            result["file"] = str(path)
        return result

    def summary(self, result):
        personal = result["personal"]
        text = (f"{result['year']} 年 {result['area_name']}：{result['bills']} 张账单、{result['people']} 人；"
                f"个人自付 现行 {personal['current']}，草案 {personal['draft']}（{personal['change']}）；"
                f"多付 {result['burden_up']} 人，少付 {result['burden_down']} 人，新增超标 {result['newly_over']} 人。")
        if result.get("file"):
            text += f"报告已写入 {result['file']}。"
        return text
