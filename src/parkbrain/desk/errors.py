"""What the desk refuses, with the HTTP status a web shell should answer and a catalogue message."""

from __future__ import annotations

from parkbrain.i18n import translate


class DeskError(Exception):
    """A refused desk operation; nothing was stored. `key` names the message in the desk catalogue."""

    status = 400

    def __init__(self, key: str, **params: object) -> None:
        self.key, self.params = key, params
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        """The reason in `lang`."""
        return translate(f"desk.error.{self.key}", lang, **self.params)


class NotFound(DeskError):
    """No such request for this viewer (also when it exists but belongs to another enterprise)."""

    status = 404


class NotAllowed(DeskError):
    """The viewer's role may not do this."""

    status = 403


class Conflict(DeskError):
    """The request's state does not allow this now (e.g. resolving a closed request)."""

    status = 409


class Invalid(DeskError):
    """A field is missing or wrong."""

    status = 422


class TooLarge(DeskError):
    """An attachment (or the upload) is larger than allowed."""

    status = 413


class UnsupportedType(DeskError):
    """An attachment is not one of the accepted types (checked by its first bytes)."""

    status = 415
