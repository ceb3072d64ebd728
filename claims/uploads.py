"""An uploaded file kept between its preview and the user's confirmation, in the user's session."""

from __future__ import annotations

import base64
from dataclasses import dataclass

SESSION_KEY = "claim_import_upload"
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class ImportUpload:
    name: str
    content: bytes

    @classmethod
    def keep(cls, request, uploaded) -> ImportUpload:
        upload = cls(name=uploaded.name, content=uploaded.read(MAX_BYTES + 1)[:MAX_BYTES])
        request.session[SESSION_KEY] = {"name": upload.name, "content": base64.b64encode(upload.content).decode()}
        return upload

    @classmethod
    def take(cls, request) -> ImportUpload | None:
        kept = request.session.pop(SESSION_KEY, None)
        return cls(name=kept["name"], content=base64.b64decode(kept["content"])) if kept else None
