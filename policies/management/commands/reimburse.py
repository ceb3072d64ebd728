"""``manage.py reimburse POLICY.json CLAIMS.json [--indent N]``: the engine on files, no database state.

The contract is "The command-line contract" in ``reimbursement.md``: one JSON document with the
results on standard output (compact; indented by N spaces with ``--indent N``); on a bad policy or
bad claims a message naming the file and the item on standard error, nothing on standard output,
exit status 2.

Made for files of hundreds of thousands of bills (docs/performance.md, "reimburse on files"): every
claim is read and checked first, then the bills are settled one at a time and each result is written
out as text as soon as it is settled, so memory does not grow with the results.
"""

import argparse
import datetime
import gc
import io
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import nullcontext
from decimal import Decimal
from functools import lru_cache, partial
from itertools import islice
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError

from policies.document import Policy, PolicyError, money_text, parse_decimal, parse_policy
from policies.engine import (
    ClaimError,
    ClaimInput,
    ClaimSettlement,
    LayerPayment,
    check_claim,
    cyclic_collector_paused,
    iter_settlements,
)
from spreadsheets.errors import SpreadsheetError
from spreadsheets.json_documents import load_json

REFUSED = 2
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
NOT_INDENT = "必须是缩进的空格数（0 或正整数），而不是 “{value}”"


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
    if isinstance(value, str):
        if not value.strip():
            raise ValueError(NOT_TEXT)
        return value
    # An id or person given as a JSON number is taken as its text.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError(NOT_TEXT)


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(NOT_TEXT_LIST)
    return tuple(value)


def _code_set(value: Any) -> frozenset[str]:
    if isinstance(value, list):
        try:
            return _code_set_of(tuple(value))
        except TypeError:  # an item that is a list or an object: not a code
            pass
    raise ValueError(NOT_TEXT_LIST)


@lru_cache(maxsize=1024)
def _code_set_of(codes: tuple) -> frozenset[str]:
    # A file names a few sets of categories and insurances: each is read once, as one frozenset,
    # which keeps its hash for the engine (a bill's sets are part of the key of its plan).
    if not all(isinstance(code, str) for code in codes):
        raise ValueError(NOT_TEXT_LIST)
    return frozenset(codes)


def _date(value: Any) -> datetime.date:
    if isinstance(value, str):
        return _date_of(value)
    raise ValueError(NOT_DATE)


@lru_cache(maxsize=4096)
def _date_of(text: str) -> datetime.date:
    # A file's bills fall on a few hundred days: each is read once (a refusal is not kept).
    if not _DATE.fullmatch(text):
        raise ValueError(NOT_DATE)
    try:
        return datetime.date.fromisoformat(text)
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
    "categories": _code_set,
    "insurances": _code_set,
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
    return ClaimInput(**values), []


def _describe(position: int, item: Any, field: str, message: str) -> str:
    claim_id = item.get("id") if isinstance(item, dict) else None
    which = f"第 {position} 条账单"
    if isinstance(claim_id, (str, int)) and not isinstance(claim_id, bool):
        which += f'（编号 "{claim_id}"）'
    where = f'的字段 "{field}"' if field else ""
    return f"{which}{where}：{message}"


# The C string encoder json.dumps(ensure_ascii=False) itself uses: every text value goes through it.
_text_json = json.encoder.encode_basestring
_BOOL_JSON = {True: "true", False: "false"}
_BATCH = 200  # results written at a time: some 400 KB of text
_COPY_CHUNK = 1 << 20


class _ResultJson:
    """A settlement as compact JSON text: what ``json.dumps(result, ensure_ascii=False,
    separators=(",", ":"))`` gives for ``{"id", "total", "payments": [{"layer", "name", "fund",
    "amount", "applied", "recorded", "base_added", "explanation"}, ...], "by_fund", "personal",
    "in_catalog_personal"}``, money as text with two decimals.

    Written out directly rather than through a dict per payment, for json's C encoder spends most of
    its time on the keys (8 a payment, 10 payments a bill). Most payments are of layers the bill's
    plan excludes, which the engine makes once per plan and hands to every bill of that plan
    (``engine._Plan.excluded``): their text is made once too, as is the start of each layer's.
    """

    def __init__(self) -> None:
        self.excluded: dict[int, str] = {}  # id of a shared payment → its text
        self.kept: list[LayerPayment] = []  # the shared payments, so that their ids stay theirs
        self.starts: dict[tuple[str, str, str], str] = {}  # (layer, name, fund) → '{"layer":…,"amount":"'

    def payment(self, payment: LayerPayment) -> str:
        text = self.payment_json(payment)
        if not (payment.applied or payment.recorded):
            self.excluded[id(payment)] = text
            self.kept.append(payment)
        return text

    def payment_json(self, payment: LayerPayment) -> str:
        layer = (payment.layer, payment.name, payment.fund)
        start = self.starts.get(layer)
        if start is None:
            code, name, fund = map(_text_json, layer)
            start = self.starts[layer] = f'{{"layer":{code},"name":{name},"fund":{fund},"amount":"'
        return (
            f'{start}{money_text(payment.amount)}","applied":{_BOOL_JSON[payment.applied]},'
            f'"recorded":{_BOOL_JSON[payment.recorded]},"base_added":"{payment.base_added}",'
            f'"explanation":{_text_json(payment.explanation)}}}'
        )

    def __call__(self, settlement: ClaimSettlement) -> str:
        excluded = self.excluded
        payments = ",".join([excluded.get(id(p)) or self.payment(p) for p in settlement.payments])
        by_fund = ",".join(
            [f'{_text_json(fund)}:"{money_text(amount)}"' for fund, amount in settlement.by_fund.items()]
        )
        return (
            f'{{"id":{_text_json(settlement.claim_id)},"total":"{money_text(settlement.total)}",'
            f'"payments":[{payments}],"by_fund":{{{by_fund}}},"personal":"{money_text(settlement.personal)}",'
            f'"in_catalog_personal":"{money_text(settlement.in_catalog_personal)}"}}'
        )


def _document(results: Iterator[str], indent: int | None) -> Iterator[str]:
    """``{"results": [...]}`` around the results' compact texts, in pieces of ``_BATCH`` results: as
    ``json.dumps`` writes the whole document with ``separators=(",", ":")``, or with ``indent`` (each
    result read back and indented)."""
    if indent is None:
        opening, between, closing, empty = '{"results":[', ",", "]}", '{"results":[]}'
    else:
        outer, inner = "\n" + " " * indent, "\n" + " " * (2 * indent)
        opening, between, closing = "{" + outer + '"results": [' + inner, "," + inner, outer + "]\n}"
        empty = "{" + outer + '"results": []\n}'
        results = (
            json.dumps(json.loads(text), ensure_ascii=False, indent=indent).replace("\n", inner)
            for text in results
        )
    before = opening
    for piece in iter(lambda: between.join(islice(results, _BATCH)), ""):
        yield before + piece
        before = between
    yield (empty if before is opening else closing) + "\n"


def _handed_over(claims: list[ClaimInput]) -> Iterator[ClaimInput]:
    """The claims in order, each let go by the list once handed to the engine."""
    for index, claim in enumerate(claims):
        claims[index] = None
        yield claim


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
        parser.add_argument(
            "--indent", type=_indent, metavar="N", help="每层缩进 N 个空格（默认不缩进、不换行的紧凑 JSON）"
        )

    def handle(self, *args, policy_path: str, claims_path: str, indent: int | None = None, **options):
        # The claims read (several objects a bill) live to the end and form no reference cycle: the
        # cyclic collector is paused while they are read, then never shown them again (frozen). It
        # stays on for what settling and writing make, which is freed as it goes, but for the one
        # cycle json's indenting encoder leaves per result (--indent), which would pile up.
        with cyclic_collector_paused():
            try:
                policy = parse_policy(_read_json(policy_path))
            except PolicyError as error:
                raise _refuse(BAD_POLICY.format(path=policy_path, errors=error)) from None
            claims = _checked_claims(claims_path, policy)
            frozen_before = gc.get_freeze_count()  # a caller's own (in the same process), left as they are
            gc.freeze()
        try:
            self._settle(policy, claims, claims_path, indent)
        finally:
            if not frozen_before:
                gc.unfreeze()

    def _settle(self, policy: Policy, claims: list[ClaimInput], claims_path: str, indent: int | None) -> None:
        # The engine finds a recorded amount above what is left in its pool only when it gets to that
        # layer of that bill (the pool is what the earlier layers and the person's earlier bills
        # left), so no check before settling can find it, and then nothing may have reached standard
        # output. Into a file (``> OUT.json``) the results go straight, and the file is cut back to
        # where it was if the run stops; anywhere else (a pipe, a terminal) they go to a temporary
        # file first, copied out once all are settled. Memory stays flat either way.
        self.stdout.flush()
        file_end = _file_end(self.stdout)
        with tempfile.TemporaryFile() if file_end is None else nullcontext() as spool:
            write = spool.write if spool is not None else partial(_write_all, file_end[0])
            settlements = iter_settlements(policy, _handed_over(claims), checked=True)
            try:
                for piece in _document(map(_ResultJson(), settlements), indent):
                    write(piece.encode())
            except BaseException as error:
                if file_end is not None:
                    os.ftruncate(*file_end)
                    os.lseek(*file_end, os.SEEK_SET)
                if isinstance(error, ClaimError):
                    raise _refuse(BAD_CLAIMS.format(path=claims_path, errors=error)) from None
                raise
            if spool is not None:
                spool.seek(0)
                self._copy_out(spool)

    def _copy_out(self, spool: IO[bytes]) -> None:
        buffer = getattr(self.stdout, "buffer", None)  # the OutputWrapper hands on to its stream's
        if buffer is None:  # a text stream alone (call_command(stdout=StringIO()))
            text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
            while chunk := text.read(_COPY_CHUNK):
                self.stdout.write(chunk, ending="")
            return
        # JSON is UTF-8 whatever the terminal's encoding: the bytes as they are.
        shutil.copyfileobj(spool, buffer, _COPY_CHUNK)
        buffer.flush()


def _file_end(stream: Any) -> tuple[int, int] | None:
    """(descriptor, offset) when ``stream`` writes to a regular file at its end (``> OUT.json``, where
    cutting it back to that offset takes out all that was written), else None."""
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (io.UnsupportedOperation is both)
        return None
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        return None
    offset = os.lseek(descriptor, 0, os.SEEK_CUR)
    return (descriptor, offset) if offset == info.st_size else None


def _write_all(descriptor: int, data: bytes) -> None:
    # Unbuffered, so that nothing is left to be written after the file is cut back.
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def _indent(value: str) -> int:
    if not (value.isascii() and value.isdigit()):
        raise argparse.ArgumentTypeError(NOT_INDENT.format(value=value))
    return int(value)


def _checked_claims(path: str, policy: Policy) -> list[ClaimInput]:
    """Every claim of the file, read and checked (once: the engine is told so); refused listing every
    problem of every claim."""
    document = _read_json(path)
    if not isinstance(document, dict) or not isinstance(document.get("claims"), list):
        raise _refuse(NOT_CLAIMS.format(path=path))
    items = document["claims"]
    del document
    claims = []
    errors = []
    for index, item in enumerate(items):
        items[index] = None  # kept from here on as its ClaimInput
        claim, problems = _claim(item)
        if claim is not None:
            problems = [(issue.field, issue.message) for issue in check_claim(policy, claim)]
        if problems:
            errors.extend(_describe(index + 1, item, field, message) for field, message in problems)
        claims.append(claim)
    if errors:
        raise _refuse(BAD_CLAIMS.format(path=path, errors="\n".join(errors)))
    return claims
