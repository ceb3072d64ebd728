"""The 36 numbered columns of the 医疗保障扶贫对象综合管理台账 and their header groups (docs: ledger.md).

Officials compare sheets from different counties side by side, so the numbers, names and order
here are fixed; the page and the workbook both draw their headers from this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from policies.document import VISIT_TYPES


class Kind:
    TEXT = "text"
    ID_NUMBER = "id_number"
    FLAG = "flag"  # 是 / 否
    MONEY = "money"
    COUNT = "count"


@dataclass(frozen=True)
class Column:
    number: int
    name: str
    kind: str

    @property
    def index(self) -> int:
        return self.number - 1


YES, NO = "是", "否"

PERSON_COLUMNS = [
    Column(1, "统筹地区", Kind.TEXT),
    Column(2, "行政区划代码", Kind.TEXT),
    Column(3, "行政区划名称", Kind.TEXT),
    Column(4, "姓名", Kind.TEXT),
    Column(5, "身份证号", Kind.ID_NUMBER),
    Column(6, "是否为建档立卡贫困人口（含脱贫继续享受扶贫政策人员）", Kind.FLAG),
    Column(7, "是否为城镇低保对象", Kind.FLAG),
    Column(8, "是否为农村低保对象", Kind.FLAG),
    Column(9, "是否为城镇特困人员", Kind.FLAG),
    Column(10, "是否为农村特困人员", Kind.FLAG),
    Column(11, "是否为城镇低收入对象", Kind.FLAG),
    Column(12, "是否为农村低收入对象", Kind.FLAG),
    Column(13, "城镇其他困难群体", Kind.FLAG),
    Column(14, "农村其他困难群体", Kind.FLAG),
    Column(15, "是否参加城乡居民基本医疗保险", Kind.FLAG),
    Column(16, "是否参加城乡居民大病保险", Kind.FLAG),
    Column(17, "参保财政补助标准 (元)", Kind.MONEY),
    Column(18, "是否参加商业补充医疗保险", Kind.FLAG),
]
CATEGORY_COLUMNS = range(6, 15)

# Per visit type: the count, the bill total, then one column per fund, in this order.
VISIT_MEASURES = ("bills", "total", "basic", "critical", "assistance", "other")
FUND_COLUMN_NAMES = ("基本医保支付金额", "大病保险支付金额", "医疗救助支付金额", "其他保障支付金额")
VISIT_GROUPS = {"outpatient": "发生普通门诊费用", "special_outpatient": "发生门诊特慢病费用", "inpatient": "发生住院费用"}
FIRST_VISIT_COLUMN = 19


def _visit_columns() -> list[Column]:
    columns = []
    for offset, visit_type in enumerate(VISIT_TYPES):
        first = FIRST_VISIT_COLUMN + offset * len(VISIT_MEASURES)
        count_name = "住院次数" if visit_type == "inpatient" else "就诊次数"
        columns.append(Column(first, count_name, Kind.COUNT))
        columns.append(Column(first + 1, "费用合计 (元)", Kind.MONEY))
        columns += [Column(first + 2 + i, name, Kind.MONEY) for i, name in enumerate(FUND_COLUMN_NAMES)]
    return columns


COLUMNS: list[Column] = PERSON_COLUMNS + _visit_columns()


def visit_column(visit_type: str, measure: str) -> Column:
    """The column holding ``measure`` (one of VISIT_MEASURES) of ``visit_type`` bills."""
    offset = list(VISIT_TYPES).index(visit_type) * len(VISIT_MEASURES) + VISIT_MEASURES.index(measure)
    return COLUMNS[FIRST_VISIT_COLUMN - 1 + offset]


# Grants paid in the period (临时救助, 二次救助, 倾斜救助, 卫生医疗困难救助, 慈善救助) are added to 住院 其他保障支付金额:
# they relieve the year's medical burden, which inpatient stays make, and belong to no bill (docs/ledger.md).
GRANT_COLUMN = visit_column("inpatient", "other")


def visit_group_columns(visit_type: str) -> list[Column]:
    first = visit_column(visit_type, VISIT_MEASURES[0]).index
    return COLUMNS[first:first + len(VISIT_MEASURES)]


GROUP_PERSON = "基本信息及参保情况"
GROUP_BENEFITS = "待遇保障情况"
GROUP_FUNDS = "各项制度待遇"


@dataclass(frozen=True)
class HeaderCell:
    row: int
    col: int
    value: str | int
    last_row: int | None = None  # merged down to here
    last_col: int | None = None  # merged across to here

    @property
    def end_row(self) -> int:
        return self.row if self.last_row is None else self.last_row

    @property
    def end_col(self) -> int:
        return self.col if self.last_col is None else self.last_col

    @property
    def merged(self) -> bool:
        return (self.end_row, self.end_col) != (self.row, self.col)

    @property
    def rowspan(self) -> int:
        return self.end_row - self.row + 1

    @property
    def colspan(self) -> int:
        return self.end_col - self.col + 1


def ledger_header(title: str) -> list[HeaderCell]:
    """The six header rows of ledger.md: title, groups, visit-type groups, column names, their numbers."""
    last = len(COLUMNS) - 1
    cells = [
        HeaderCell(0, 0, title, last_col=last),
        HeaderCell(1, 0, GROUP_PERSON, last_col=len(PERSON_COLUMNS) - 1),
        HeaderCell(1, len(PERSON_COLUMNS), GROUP_BENEFITS, last_col=last),
    ]
    cells += [HeaderCell(2, column.index, column.name, last_row=4) for column in PERSON_COLUMNS]
    for visit_type, group_name in VISIT_GROUPS.items():
        count, total, *funds = visit_group_columns(visit_type)
        cells.append(HeaderCell(2, count.index, group_name, last_col=funds[-1].index))
        cells += [HeaderCell(3, column.index, column.name, last_row=4) for column in (count, total)]
        cells.append(HeaderCell(3, funds[0].index, GROUP_FUNDS, last_col=funds[-1].index))
        cells += [HeaderCell(4, fund.index, fund.name) for fund in funds]
    cells += [HeaderCell(5, column.index, column.number) for column in COLUMNS]
    return cells
