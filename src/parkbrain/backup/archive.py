"""One archive file: a tar (or gzip-compressed tar) of a folder, the manifest first.

It is written beside its destination under a temporary name and renamed at the end, so a
failed backup leaves no half-written archive; reading refuses links and paths that leave the
folder (tarfile's "data" filter).
"""

from __future__ import annotations

import gzip
import os
import secrets
import tarfile
import zlib
from pathlib import Path

from parkbrain.backup.errors import BackupError
from parkbrain.backup.manifest import NAME

SUFFIXES = (".tar", ".tar.gz", ".tgz")


def is_archive_name(path: Path) -> bool:
    """True for the names an archive may have: .tar, .tar.gz or .tgz."""
    return path.name.endswith(SUFFIXES)


def pack(folder: Path, members: list[str], target: Path) -> None:
    """Write the manifest and `members` of `folder` into the archive `target` (gzip for .tar.gz/.tgz)."""
    mode = "w" if target.name.endswith(".tar") else "w:gz"
    partial = target.with_name(f".{target.name}.partial-{secrets.token_hex(4)}")
    try:
        with tarfile.open(partial, mode) as tar:
            for member in [NAME, *members]:
                tar.add(folder / member, arcname=member, recursive=False)
        with partial.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def unpack(archive: Path, folder: Path) -> None:
    """Extract the archive into `folder`, or raise a BackupError naming what is wrong with it."""
    if not archive.is_file():
        raise BackupError("no_archive", archive=archive)
    try:
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(folder, filter="data")
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise BackupError("damaged", archive=archive, detail=str(exc) or type(exc).__name__) from None
