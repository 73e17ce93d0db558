"""The language of a request: ?lang= (remembered in a cookie), else the cookie, else Accept-Language, else zh.

>>> best_accepted("en-US,en;q=0.9,zh-CN;q=0.8")
'en'
>>> best_accepted("zh-CN,zh;q=0.9,en;q=0.8"), best_accepted("fr-FR"), best_accepted(None)
('zh', None, None)
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from parkbrain.i18n import LANGUAGES, translate

COOKIE = "lang"
DEFAULT = "zh"


def best_accepted(header: str | None) -> str | None:
    """The supported language an Accept-Language header prefers most, or None."""
    best: tuple[float, str] | None = None
    for part in (header or "").split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        if lang not in LANGUAGES:
            continue
        try:
            weight = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            continue
        if best is None or weight > best[0]:
            best = (weight, lang)
    return best[1] if best else None


def requested_language(request: Request) -> str | None:
    """The language named by ?lang=, if it is one we speak."""
    lang = request.query_params.get("lang")
    return lang if lang in LANGUAGES else None


def request_language(request: Request) -> str:
    """The language to answer a request in."""
    cookie = request.cookies.get(COOKIE)
    return (requested_language(request) or (cookie if cookie in LANGUAGES else None)
            or best_accepted(request.headers.get("accept-language")) or DEFAULT)


def translator(lang: str) -> Callable[..., str]:
    """`t(key, **params)` for the web catalogue (keys without their ``web.`` prefix)."""
    def t(key: str, **params: object) -> str:
        """The message for a web key in the bound language."""
        return translate(f"web.{key}", lang, **params)
    return t
