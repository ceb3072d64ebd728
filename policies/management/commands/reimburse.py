"""``manage.py reimburse POLICY.json CLAIMS.json``: the engine on files, no database state.

The contract is "The command-line contract" in ``reimbursement.md``: one JSON document with the
results on standard output; on a bad policy or bad claims a message naming the file and the item on
standard error, nothing on standard output, exit status 2.
"""

import datetime
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from policies.document import PolicyError, money_text, parse_decimal, parse_policy
from policies.engine import ClaimError, ClaimInput, ClaimSettlement, check_claim, settle_claims
from spreadsheets.errors import SpreadsheetError
from spreadsheets.json_documents import load_json

REFUSED = 2
REQUIRED_CLAIM_FIELDS = (
    "id",
    "person",
    "categories",
    "insurances",
    "visit_type",
    "hospital_level",
    "date",
    "total",
    "in_catalog",
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Messages, shared with the tests.
CANNOT_READ = "{path}：无法读取文件（{reason}）"
NOT_JSON = "{path}：不是有效的 JSON（第 {line} 行第 {column} 列：{reason}）"
BAD_POLICY = "{path}：政策文件有误：\n{errors}"
NOT_CLAIMS = '{path}：必须是形如 {{"claims": [...]}} 的 JSON 对象'
BAD_CLAIMS = "{path}：账单有误：\n{errors}"
REQUIRED = "缺少必填字段"
NOT_TEXT = "必须是非空文本"
NOT_TEXT_LIST = "必须是文本列表"
NOT_DATE = "必须是 YYYY-MM-DD 格式的有效日期"
NOT_MONEY = "必须是以元为单位的金额（十进制数字）"
NOT_OBJECT = "必须是 JSON 对象"
NOT_BOOL = "必须是 true 或 false"
NOT_SEX = '必须是 "male" 或 "female"'


def _refuse(message: str) -> CommandError:
    return CommandError(message, returncode=REFUSED)


def _reject_constant(name: str) -> None:
    raise ValueError(f"不允许 {name}")


def _read_json(path: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = "文件不存在" if isinstance(error, FileNotFoundError) else str(error)
        raise _refuse(CANNOT_READ.format(path=path, reason=reason)) from None
    try:
        # Numbers keep their decimal text; NaN and Infinity are not money.
        return load_json(text, path, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise _refuse(
            NOT_JSON.format(path=path, line=error.lineno, column=error.colno, reason=error.msg)
        ) from None
    except SpreadsheetError as error:
        raise _refuse(str(error)) from None
    except ValueError as error:
        raise _refuse(NOT_JSON.format(path=path, line="?", column="?", reason=error)) from None


def _text(value: Any) -> str:
    # An id or person given as a JSON number is taken as its text.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(NOT_TEXT)
    return value


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(NOT_TEXT_LIST)
    return tuple(value)


def _date(value: Any) -> datetime.date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError(NOT_DATE)
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(NOT_DATE) from None


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(NOT_BOOL)
    return value


def _sex(value: Any) -> str:
    if value not in ("male", "female"):
        raise ValueError(NOT_SEX)
    return value


def _money(value: Any) -> Decimal:
    try:
        return parse_decimal(value)
    except ValueError:
        raise ValueError(NOT_MONEY) from None


READERS = {
    "id": _text,
    "person": _text,
    "categories": _texts,
    "insurances": _texts,
    "visit_type": _text,
    "hospital_level": _text,
    "date": _date,
    "total": _money,
    "in_catalog": _money,
}
# Optional keys (reimbursement.md, "Conditions on the hospital, the person and the date"): absent or
# null leaves the engine's default (no hospital, not in the county, not referred, no birth date or sex).
OPTIONAL_READERS = {
    "hospital": _text,
    "in_county": _bool,
    "referred": _bool,
    "birth_date": _date,
    "sex": _sex,
}


def _claim(item: Any) -> tuple[ClaimInput | None, list[tuple[str, str]]]:
    """The claim, or None and the (field, message) problems that stop it being read."""
    if not isinstance(item, dict):
        return None, [("", NOT_OBJECT)]
    problems = []
    values = {}
    for key, read in READERS.items():
        if key not in item:
            problems.append((key, REQUIRED))
            continue
        try:
            values[key] = read(item[key])
        except ValueError as error:
            problems.append((key, str(error)))
    try:
        values["diseases"] = () if item.get("diseases") is None else _texts(item["diseases"])
    except ValueError as error:
        problems.append(("diseases", str(error)))
    for key, read in OPTIONAL_READERS.items():
        if item.get(key) is None:
            continue
        try:
            values[key] = read(item[key])
        except ValueError as error:
            problems.append((key, str(error)))
    recorded = {} if item.get("recorded") is None else item["recorded"]
    if not isinstance(recorded, dict):
        problems.append(("recorded", NOT_OBJECT))
        recorded = {}
    values["recorded"] = {}
    for code, amount in recorded.items():
        try:
            values["recorded"][code] = _money(amount)
        except ValueError as error:
            problems.append((f"recorded.{code}", str(error)))
    if problems:
        return None, problems
    values["categories"] = frozenset(values["categories"])
    values["insurances"] = frozenset(values["insurances"])
    return ClaimInput(**values), []


def _describe(position: int, item: Any, field: str, message: str) -> str:
    claim_id = item.get("id") if isinstance(item, dict) else None
    which = f"第 {position} 条账单"
    if isinstance(claim_id, (str, int)) and not isinstance(claim_id, bool):
        which += f'（编号 "{claim_id}"）'
    where = f'的字段 "{field}"' if field else ""
    return f"{which}{where}：{message}"


def _result(settlement: ClaimSettlement) -> dict:
    return {
        "id": settlement.claim_id,
        "total": money_text(settlement.total),
        "payments": [
            {
                "layer": payment.layer,
                "name": payment.name,
                "fund": payment.fund,
                "amount": money_text(payment.amount),
                "applied": payment.applied,
                "recorded": payment.recorded,
                "base_added": str(payment.base_added),
                "explanation": payment.explanation,
            }
            for payment in settlement.payments
        ],
        "by_fund": {fund: money_text(amount) for fund, amount in settlement.by_fund.items()},
        "personal": money_text(settlement.personal),
        "in_catalog_personal": money_text(settlement.in_catalog_personal),
    }


class Command(BaseCommand):
    help = (
        "按政策文件结算账单文件（不读写数据库），结果以 JSON 打印到标准输出："
        "manage.py reimburse POLICY.json CLAIMS.json"
    )
    # Runs on files alone: no system checks, no database.
    requires_system_checks = ()

    def add_arguments(self, parser):
        parser.add_argument("policy_path", metavar="POLICY.json", help="政策文件")
        parser.add_argument("claims_path", metavar="CLAIMS.json", help='账单文件：{"claims": [...]}')

    def handle(self, *args, policy_path: str, claims_path: str, **options):
        try:
            policy = parse_policy(_read_json(policy_path))
        except PolicyError as error:
            raise _refuse(BAD_POLICY.format(path=policy_path, errors=error)) from None

        document = _read_json(claims_path)
        if not isinstance(document, dict) or not isinstance(document.get("claims"), list):
            raise _refuse(NOT_CLAIMS.format(path=claims_path))
        claims = []
        errors = []
        for position, item in enumerate(document["claims"], 1):
            claim, problems = _claim(item)
            if claim is not None:
                problems = [(issue.field, issue.message) for issue in check_claim(policy, claim)]
            errors.extend(_describe(position, item, field, message) for field, message in problems)
            claims.append(claim)
        if errors:
            raise _refuse(BAD_CLAIMS.format(path=claims_path, errors="\n".join(errors)))

        try:
            settlements = settle_claims(policy, claims)
        except ClaimError as error:  # a recorded amount above what is left in its pool
            raise _refuse(BAD_CLAIMS.format(path=claims_path, errors=error)) from None
        self.stdout.write(
            json.dumps({"results": [_result(s) for s in settlements]}, ensure_ascii=False, indent=1)
        )
