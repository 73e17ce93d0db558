"""Backup and restore of a ParkBrain: the warehouse (Parquet per table), the operational database
(SQLite online backup or pg_dump) and the officers' files, in one verified archive.

The archive (``.tar``, or ``.tar.gz``/``.tgz`` compressed) holds::

    manifest.json                 ParkBrain version, time (UTC), backends, Alembic revision,
                                  rows and checksums of every table, SHA-256 of every file
    warehouse/<table>.parquet     every warehouse table
    opdb/parkbrain.sqlite3        the SQLite operational database, or
    opdb/parkbrain.pgdump         pg_dump's custom format of the PostgreSQL one
    home/chains/...               the officers' chain files of the home
"""

from parkbrain.backup.create import BackupReport, create_backup
from parkbrain.backup.errors import BackupError
from parkbrain.backup.manifest import Manifest
from parkbrain.backup.restore import RestoreReport, restore_backup

__all__ = ["BackupError", "BackupReport", "Manifest", "RestoreReport", "create_backup", "restore_backup"]
