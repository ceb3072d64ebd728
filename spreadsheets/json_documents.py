"""JSON documents we are given (policies, bills for the engine), refused past ``JSON_MAX_DEPTH`` levels.

Nothing we read nests deeper than a few levels; a document nested thousands deep is not a policy but
an attempt on the reader, which would otherwise end in a RecursionError traceback.
"""

from __future__ import annotations

import json

from spreadsheets.errors import SpreadsheetError
from spreadsheets.limits import Limits

TOO_DEEP = "“{name}”的 JSON 嵌套超过 {limit} 层（上限），不是有效的文件。"


def load_json(text: str, name: str, **options) -> object:
    """``json.loads(text, **options)``; JSONDecodeError as json raises it, SpreadsheetError when too deep."""
    limit = Limits.from_settings().json_depth
    try:
        document = json.loads(text, **options)
    except RecursionError:
        raise SpreadsheetError(TOO_DEEP.format(name=name, limit=limit)) from None
    if _deeper_than(document, limit):
        raise SpreadsheetError(TOO_DEEP.format(name=name, limit=limit))
    return document


def _deeper_than(document: object, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` levels (walked a level at a time, without
    recursion: a claims file holds a few hundred thousand of them)."""
    level = [document] if type(document) is dict or type(document) is list else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        level = [
            child
            for node in level
            for child in (node.values() if type(node) is dict else node)
            if type(child) is dict or type(child) is list
        ]
    return False
