from accounts.cli import UserCommand, refused
from accounts.services import ensure_permitted
from claims.selectors import hospitals_unclassified
from claims.services import hospital_classify
from payments.selectors import hospital_find
from regions.models import Region


class Command(UserCommand):
    help = ("管理员为医疗机构分类（县域内/县域外）：导入清单时首次出现的医疗机构分类前按县域外结算；"
            "县域内/县域外改变时，该机构的账单重新结算。不给医疗机构时列出待分类的医疗机构。")

    def add_command_arguments(self, parser):
        parser.add_argument("hospital", nargs="?", default="",
                            help="医疗机构的机构编码或名称；不填则列出待分类的医疗机构")
        place = parser.add_mutually_exclusive_group()
        place.add_argument("--in-county", dest="in_county", action="store_true", default=None, help="位于县域内")
        place.add_argument("--out-of-county", dest="in_county", action="store_false", help="位于县域外")
        parser.add_argument("--township", default="", help="所在乡镇（街道）的 9 位区划代码，县域内时可填")

    def run(self, user, *, hospital, in_county, township, **options):
        if not hospital:
            ensure_permitted(user, "claims.accept_hospital", "查看待分类的医疗机构")
            return {"hospitals": [
                {"hospital": h.code, "name": h.name, "level": h.level, "suggested_in_county": h.suggested_in_county,
                 "proposed_by": h.proposed_by.username if h.proposed_by else None, "proposed_at": h.proposed_at,
                 "bills": h.bills}
                for h in hospitals_unclassified(user)]}
        if in_county is None:
            raise refused("请用 --in-county（县域内）或 --out-of-county（县域外）给出分类。")
        region = Region.objects.filter(code=township).first() if township else None
        if township and region is None:
            raise refused(f"--township：没有区划代码为“{township}”的乡镇。")
        outcome = hospital_classify(user=user, hospital=hospital_find(hospital), in_county=in_county, township=region)
        return {"hospital": outcome.hospital.code, "name": outcome.hospital.name, "in_county": in_county,
                "township": township or None, "resettled": outcome.moved, "person_years": outcome.person_years,
                "changes": [change.as_dict() for change in outcome.changes]}

    def summary(self, result):
        if "hospitals" in result:
            lines = [f"{h['name']}（{h['hospital'] or '无编码'}）：清单所填"
                     f"{'县域内' if h['suggested_in_county'] else '县域外'}，账单 {h['bills']} 张"
                     for h in result["hospitals"]]
            return "\n".join(lines) or "没有待分类的医疗机构。"
        place = "县域内" if result["in_county"] else "县域外"
        again = (f"其账单已重新结算：{result['person_years']} 个人员年度，{len(result['changes'])} 笔支付变动。"
                 if result["resettled"] else "县域内/县域外未变，账单无需重新结算。")
        return f"医疗机构“{result['name']}”已分类为{place}；{again}"
