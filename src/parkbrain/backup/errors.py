"""What backup and restore refuse, with a catalogue message that says what to do."""

from __future__ import annotations

from parkbrain.i18n import translate


class BackupError(Exception):
    """A refused or failed backup or restore; the target was left as it was.

    `key` names the message in the backup catalogue (``backup.error.<key>``).
    """

    def __init__(self, key: str, **params: object) -> None:
        self.key, self.params = key, params
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        """The reason in `lang`."""
        return translate(f"backup.error.{self.key}", lang, **self.params)
