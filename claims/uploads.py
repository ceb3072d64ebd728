"""An uploaded settlement list kept between its preview and the user's confirmation.

The file waits in a folder of its own under MEDIA_ROOT; the session holds only its name and key, so
that a large list is not written into the session on every request. A list is kept only once its
preview could read it, and taken (deleted) at the confirmation; lists nobody confirmed are deleted
after a day.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

SESSION_KEY = "claim_import_upload"
FOLDER = "claim_imports"
ABANDONED_AFTER = 24 * 3600  # seconds


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class ImportUpload:
    name: str
    content: bytes

    @classmethod
    def read(cls, uploaded) -> ImportUpload:
        return cls(name=uploaded.name, content=uploaded.read())

    def keep(self, request) -> None:
        folder = _folder()
        for old in folder.iterdir():
            if old.stat().st_mtime < time.time() - ABANDONED_AFTER:
                old.unlink(missing_ok=True)
        key = uuid.uuid4().hex
        (folder / key).write_bytes(self.content)
        request.session[SESSION_KEY] = {"name": self.name, "key": key}

    @classmethod
    def take(cls, request) -> ImportUpload | None:
        kept = request.session.pop(SESSION_KEY, None)
        if not kept or not re.fullmatch(r"[0-9a-f]{32}", kept.get("key", "")):
            return None
        path = _folder() / kept["key"]
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            return None
        path.unlink(missing_ok=True)
        return cls(name=kept["name"], content=content)
