"""Attachments: an allow-list of types recognised by their first bytes, not by name; a size cap.

>>> sniff(b"%PDF-1.7 ..."), sniff(b"\\x89PNG\\r\\n\\x1a\\n...."), sniff(b"MZ\\x90\\x00")
('application/pdf', 'image/png', None)
>>> safe_filename("..\\\\..\\\\etc/passwd\\x00.pdf")
'passwd.pdf'
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from parkbrain.desk.errors import Invalid, TooLarge, UnsupportedType

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Accepted types and the file name endings that may carry them.
ACCEPTED: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",), "image/png": (".png",), "image/jpeg": (".jpg", ".jpeg"),
    XLSX: (".xlsx",), DOCX: (".docx",),
}
_OOXML_PART = {XLSX: "xl/workbook.xml", DOCX: "word/document.xml"}


@dataclass(frozen=True)
class CheckedAttachment:
    """An attachment that passed the checks, ready to store."""

    filename: str
    media_type: str
    data: bytes
    sha256: str

    @property
    def size(self) -> int:
        """Its size in bytes."""
        return len(self.data)


def _ooxml(data: bytes) -> str | None:
    """XLSX or DOCX by the parts the zip lists (read from its directory; nothing is unpacked)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    return next((kind for kind, part in _OOXML_PART.items() if part in names), None)


def sniff(data: bytes) -> str | None:
    """The accepted type `data` is, by its first bytes (None for anything else)."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _ooxml(data)
    return None


def safe_filename(name: str) -> str:
    """The last part of a path, without control characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:200]
    return name


def check_attachment(filename: str, data: bytes, *, max_bytes: int) -> CheckedAttachment:
    """Accept an attachment or raise: too large, empty, unnamed, or a type that is not allowed."""
    if len(data) > max_bytes:
        raise TooLarge("attachment_too_large", name=filename, limit=f"{max_bytes / 1024 / 1024:.1f} MiB")
    if not data:
        raise Invalid("attachment_empty", name=filename)
    name = safe_filename(filename)
    if not name:
        raise Invalid("attachment_unnamed")
    kind = sniff(data)
    if kind is None or not name.lower().endswith(ACCEPTED[kind]):
        raise UnsupportedType("attachment_type", name=name)
    return CheckedAttachment(name, kind, data, hashlib.sha256(data).hexdigest())
