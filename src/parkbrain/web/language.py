"""The language of a request: ?lang= (remembered in a cookie), else the cookie, else Chinese.

Chinese is the first language of ParkBrain whatever the browser's Accept-Language says (many
officers' machines have an English system locale); English is a deliberate switch.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from parkbrain.i18n import LANGUAGES, translate

COOKIE = "lang"
DEFAULT = "zh"


def requested_language(request: Request) -> str | None:
    """The language named by ?lang=, if it is one we speak."""
    lang = request.query_params.get("lang")
    return lang if lang in LANGUAGES else None


def request_language(request: Request) -> str:
    """The language to answer a request in."""
    cookie = request.cookies.get(COOKIE)
    return requested_language(request) or (cookie if cookie in LANGUAGES else None) or DEFAULT


def translator(lang: str) -> Callable[..., str]:
    """`t(key, **params)` for the web catalogue (keys without their ``web.`` prefix)."""
    def t(key: str, **params: object) -> str:
        """The message for a web key in the bound language."""
        return translate(f"web.{key}", lang, **params)
    return t
