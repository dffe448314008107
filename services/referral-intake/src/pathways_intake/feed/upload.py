"""An export arriving over HTTP: a multipart upload (field `file`) or the export as the body,
spooled to disk past 1 MiB so that memory stays flat however large it is."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import BinaryIO

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.datastructures import UploadFile
from starlette.requests import Request

from .format import ExportFormat

CONTENT_TYPES = {"text/csv": ExportFormat.csv, "application/csv": ExportFormat.csv,
                 "application/x-ndjson": ExportFormat.jsonl, "application/jsonl": ExportFormat.jsonl,
                 "application/x-jsonlines": ExportFormat.jsonl}


class CaseloadLimits(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CASELOAD_", env_file=os.environ.get("PATHWAYS_ENV_FILE"),
                                      extra="ignore")
    max_bytes: int = Field(1024 ** 3, ge=1024)   # CASELOAD_MAX_BYTES: the largest upload taken


class UploadRefused(ValueError):
    def __init__(self, status: int, path: str, kind: str, message: str):
        super().__init__(message)
        self.status, self.path, self.kind = status, path, kind


@dataclass
class Received:
    binary: BinaryIO
    format: ExportFormat
    name: str | None
    organisation: str | None


async def receive_export(request: Request, spool: BinaryIO, fmt: ExportFormat | None,
                         organisation: str | None) -> Received:
    """The export, its format (as asked, else by content type, else by file name) and organisation.
    Raises UploadRefused."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding not in ("", "identity"):   # its bytes would be read as the export's own
        raise UploadRefused(415, "content-encoding", "unsupported_media_type",
                            f"the export is read as sent: send it uncompressed, not {encoding[:40]}")
    if kind == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=5)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise UploadRefused(422, "file", "missing", "send the export in the multipart field `file`")
        asked = fmt or form.get("format") or None
        if asked not in (None, *ExportFormat):
            raise UploadRefused(422, "format", "enum", "the format is csv or jsonl")
        part = (upload.content_type or "").split(";")[0].strip().lower()
        asked = asked or (CONTENT_TYPES[part].value if part in CONTENT_TYPES else None)
        return Received(upload.file, ExportFormat.of(upload.filename, asked), upload.filename,
                        organisation or form.get("organisation") or None)
    if kind not in CONTENT_TYPES:
        raise UploadRefused(415, "content-type", "unsupported_media_type",
                            f"send multipart/form-data or one of: {', '.join(CONTENT_TYPES)}")
    async for part in request.stream():
        spool.write(part)
    spool.seek(0)
    return Received(spool, fmt or CONTENT_TYPES[kind], None, organisation)
