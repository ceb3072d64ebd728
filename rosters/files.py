"""The columns of the lists other offices send, and their rows as the comparison needs them.

Headers differ from county to county (reconciliation.md, "The lists that arrive"): every field
below accepts any of its aliases, found in the header row below any title rows. Cells arrive
normalised by ``spreadsheets.reading`` (full-width folded, spaces trimmed, whole numbers as digits,
numbers Excel had already rounded in its ``1.1E+17`` form so that the ID check can say so).
"""

from __future__ import annotations

from dataclasses import dataclass

from beneficiaries.models import Relation
from rosters.comparison import ListedRow
from rosters.enrollment import EnrollmentRow
from spreadsheets.reading import read_table

ID_ALIASES = ("身份证号", "身份证号码", "公民身份号码", "证件号码", "公民身份证号码", "身份证")

ROSTER_COLUMNS = {
    "id_number": ID_ALIASES,
    "name": ("姓名", "成员姓名", "人员姓名"),
    "category": ("类别", "人员类别", "救助类别", "保障类别", "身份类别"),
    "village": ("行政区划代码", "区划代码", "村代码", "村级区划代码"),
    "head_id_number": ("户主身份证号", "户主身份证号码", "户主证件号码"),
    "relation": ("与户主关系",),
    "phone": ("联系电话", "电话", "手机号码"),
}

# The columns a roster must have; the category column may be left out when one category is given for the whole list.
ROSTER_REQUIRED = ("id_number", "name", "village", "category")

ENROLLMENT_COLUMNS = {
    "id_number": ID_ALIASES,
    "name": ("姓名",),
    "insurance": ("险种", "参保险种"),
    "status": ("参保状态", "状态"),
    "subsidy": ("财政补助金额", "财政补助", "资助金额", "补助金额"),
    "reason": ("未参保原因", "原因"),
}
ENROLLMENT_REQUIRED = ("id_number", "insurance", "status")


def id_cell(text: str) -> str:
    """An ID as written to survive Excel: a leading apostrophe, or a CSV formula ``="110…"``."""
    if text[:1] not in ("'", "="):
        return text
    if text.startswith("'"):
        return text[1:]
    if text.startswith('="') and text.endswith('"'):
        return text[2:-1]
    return text


# How lists write 与户主关系, beyond the registry's own labels.
RELATIONS = {
    "本人": Relation.HEAD,
    "妻": Relation.SPOUSE,
    "妻子": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE,
    "子": Relation.CHILD,
    "女": Relation.CHILD,
    "之子": Relation.CHILD,
    "之女": Relation.CHILD,
    "儿子": Relation.CHILD,
    "女儿": Relation.CHILD,
    "长子": Relation.CHILD,
    "次子": Relation.CHILD,
    "长女": Relation.CHILD,
    "次女": Relation.CHILD,
    "养子": Relation.CHILD,
    "养女": Relation.CHILD,
    "儿媳": Relation.CHILD_IN_LAW,
    "女婿": Relation.CHILD_IN_LAW,
    "孙子": Relation.GRANDCHILD,
    "孙女": Relation.GRANDCHILD,
    "外孙子": Relation.GRANDCHILD,
    "外孙女": Relation.GRANDCHILD,
    "父亲": Relation.PARENT,
    "母亲": Relation.PARENT,
    "父": Relation.PARENT,
    "母": Relation.PARENT,
    "祖父": Relation.GRANDPARENT,
    "祖母": Relation.GRANDPARENT,
    "外祖父": Relation.GRANDPARENT,
    "外祖母": Relation.GRANDPARENT,
    "兄": Relation.SIBLING,
    "弟": Relation.SIBLING,
    "姐": Relation.SIBLING,
    "妹": Relation.SIBLING,
    "哥哥": Relation.SIBLING,
    "弟弟": Relation.SIBLING,
    "姐姐": Relation.SIBLING,
    "妹妹": Relation.SIBLING,
}


RELATION_LABELS = {label: value for value, label in Relation.choices}


def relation_code(text: str) -> str:
    """The registry's relation for a list's 与户主关系 text; any other non-empty text is 其他."""
    text = text.replace(" ", "")
    if not text:
        return ""
    return RELATION_LABELS.get(text) or RELATIONS.get(text) or Relation.OTHER


@dataclass(frozen=True)
class RosterFile:
    header_row: int
    rows: list[ListedRow]


def read_roster(content: bytes, filename: str, *, category_column_required: bool = True) -> RosterFile:
    """The data rows of a roster; a file lacking a needed column raises SpreadsheetError naming it.

    A row with neither ID nor name (a footer such as 制表人 or 合计) is not a data row.
    """
    required = [field for field in ROSTER_REQUIRED if category_column_required or field != "category"]
    table = read_table(content, filename, ROSTER_COLUMNS, required=required)
    fields = ["id_number", "name", "category", "village", "head_id_number", "relation", "phone"]
    rows = []
    for number, (id_text, name, category, village, head, relation, phone) in table.values(fields):
        if id_text or name:
            rows.append(
                ListedRow(
                    number,
                    id_cell(id_text),
                    name,
                    category,
                    village.replace(" ", ""),
                    id_cell(head) if head else "",
                    relation,
                    phone,
                )
            )
    return RosterFile(header_row=table.header_row, rows=rows)


def read_enrollment_list(content: bytes, filename: str) -> list[EnrollmentRow]:
    """The data rows of an enrollment list; 财政补助金额 and 未参保原因 may be absent (then empty)."""
    table = read_table(content, filename, ENROLLMENT_COLUMNS, required=ENROLLMENT_REQUIRED)
    rows = []
    for number, record in table.records():
        if not record["id_number"] and not record.get("name"):
            continue
        rows.append(
            EnrollmentRow(
                row=number,
                id_text=id_cell(record["id_number"]),
                name=record.get("name", ""),
                insurance_text=record["insurance"],
                status_text=record["status"],
                subsidy_text=record.get("subsidy", ""),
                reason_text=record.get("reason", ""),
            )
        )
    return rows
