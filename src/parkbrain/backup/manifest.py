"""The archive's manifest: what it holds, from which ParkBrain, and the checksums to verify it by."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from parkbrain.backup.errors import BackupError

FORMAT = "parkbrain-backup"
FORMAT_VERSION = 1
NAME = "manifest.json"


def parkbrain_version() -> str:
    """The installed ParkBrain's version."""
    try:
        return version("parkbrain")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "unknown"


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Manifest:
    """What one archive holds: tables with their row counts and checksums, and every file's SHA-256."""

    created_at: str
    settings: dict[str, str]
    alembic_revision: str | None
    warehouse: dict[str, dict] = field(default_factory=dict)
    opdb: dict[str, object] = field(default_factory=dict)
    files: dict[str, dict] = field(default_factory=dict)
    parkbrain_version: str = field(default_factory=parkbrain_version)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    @classmethod
    def new(cls, settings: dict[str, str], alembic_revision: str | None) -> Manifest:
        """An empty manifest stamped now (UTC)."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return cls(created_at=stamp, settings=settings, alembic_revision=alembic_revision)

    def add_file(self, folder: Path, member: str) -> None:
        """Record a file of the archive's folder by size and SHA-256."""
        path = folder / member
        self.files[member] = {"bytes": path.stat().st_size, "sha256": file_sha256(path)}

    def write(self, folder: Path) -> Path:
        """Write manifest.json into the archive's folder."""
        path = folder / NAME
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
        return path

    @classmethod
    def read(cls, folder: Path, archive: Path) -> Manifest:
        """The manifest of an unpacked archive, or a BackupError saying why it is not one we can read."""
        path = folder / NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BackupError("not_an_archive", archive=archive) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise BackupError("damaged", archive=archive, detail=f"{NAME}: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupError("not_an_archive", archive=archive)
        if not isinstance(data.get("format_version"), int) or data["format_version"] > FORMAT_VERSION:
            raise BackupError("newer_format", archive=archive, version=data.get("parkbrain_version"))
        try:
            manifest = cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})
            tables = [*manifest.warehouse.values(), *manifest.opdb["tables"].values()]
            if not all({"rows", "sha256"} <= set(t) for t in tables) or not isinstance(manifest.opdb["member"], str) \
                    or not all("columns" in t for t in manifest.warehouse.values()):
                raise TypeError("a table's rows, sha256 or columns are missing")
        except (TypeError, KeyError, AttributeError) as exc:
            raise BackupError("damaged", archive=archive, detail=f"{NAME}: {exc}") from None
        return manifest

    def verify_files(self, folder: Path, archive: Path) -> None:
        """Every file the manifest lists is there, with its size and SHA-256."""
        for member, expected in sorted(self.files.items()):
            if member.startswith("/") or ".." in Path(member).parts:
                raise BackupError("damaged", archive=archive, detail=f"{NAME}: member {member!r}")
            path = folder / member
            if not path.is_file():
                raise BackupError("missing_member", archive=archive, member=member)
            if path.stat().st_size != expected["bytes"] or file_sha256(path) != expected["sha256"]:
                raise BackupError("damaged_member", archive=archive, member=member)
