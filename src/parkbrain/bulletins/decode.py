"""Reading a bulletin file's bytes as text: UTF-8 (with or without BOM), UTF-16 with BOM, GBK/GB18030.

A file that is empty, binary or in no known encoding raises `BulletinFileError`, whose
message names the file and says what to do.

>>> decode_bytes("园区".encode("gbk"), name="a.txt")
'园区'
>>> decode_bytes(b"", name="empty.txt")
Traceback (most recent call last):
...
parkbrain.bulletins.decode.BulletinFileError: empty.txt: the file is empty; give a text file with the bulletin in it
"""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

MESSAGES = {
    "empty": ("文件为空；请提供含公告正文的文本文件",
              "the file is empty; give a text file with the bulletin in it"),
    "binary": ("这不是文本文件（含二进制内容）；请另存为 UTF-8 或 GBK 编码的 .txt 文件",
               "the file is not text (it holds binary data); save the bulletin as a UTF-8 or GBK .txt file"),
    "undecodable": ("无法识别文件编码（支持 UTF-8、UTF-16 带 BOM、GBK/GB18030）；请另存为 UTF-8",
                    "the file's encoding is not recognised (UTF-8, UTF-16 with BOM and GBK/GB18030 are); "
                    "save it as UTF-8"),
    "unreadable": ("无法读取文件：{reason}", "the file cannot be read: {reason}"),
}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_CONTROL = frozenset(range(0, 32)) - {9, 10, 12, 13, 27}


class BulletinFileError(ValueError):
    """A bulletin file cannot be read as text; the message names the file and what to do."""

    def __init__(self, name: str, code: str, **params: object) -> None:
        self.name, self.code, self.params = name, code, params
        super().__init__(self.message("en"))

    def message(self, lang: str = "zh") -> str:
        zh, en = MESSAGES[self.code]
        return f"{self.name}: {(zh if lang == 'zh' else en).format(**self.params)}"


def _looks_binary(data: bytes) -> bool:
    """NUL bytes or many control bytes in the first 8 KB: not a text file."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    return sum(b in _CONTROL for b in head) > max(8, len(head) // 100)


def decode_bytes(data: bytes, *, name: str) -> str:
    """The text of a file's bytes; raises BulletinFileError when it is empty, binary or undecodable."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                raise BulletinFileError(name, "undecodable") from None
            return _non_empty(text, name)
    if not data.strip():
        raise BulletinFileError(name, "empty")
    if _looks_binary(data):
        raise BulletinFileError(name, "binary")
    for encoding in ("utf-8", "gb18030"):
        try:
            return _non_empty(data.decode(encoding), name)
        except UnicodeDecodeError:
            continue
    raise BulletinFileError(name, "undecodable")


def _non_empty(text: str, name: str) -> str:
    if not text.strip():
        raise BulletinFileError(name, "empty")
    return text


def read_bulletin(path: Path) -> tuple[str, str]:
    """A bulletin file's text and the SHA-256 of its bytes."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise BulletinFileError(str(path), "unreadable", reason=exc.strerror or exc) from None
    return decode_bytes(data, name=str(path)), hashlib.sha256(data).hexdigest()
