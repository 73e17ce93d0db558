"""Rendering: the Jinja2 environment, figures through parkbrain.numbers, and the common page context."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from parkbrain import numbers
from parkbrain.accounts.roles import Permission
from parkbrain.accounts.sessions import Principal
from parkbrain.i18n import translate
from parkbrain.web.language import request_language, translator
from parkbrain.web.security import csrf_token

# The unit of each key indicator as reports write it (the JSON `unit` field).
UNITS = {"enterprises": "家", "revenue": "万元", "rd_expense": "万元", "rd_intensity": "%",
         "tax_paid": "万元", "employees": "人", "invention_patents_held": "件", "high_tech_enterprises": "家"}


class Figures:
    """Figures formatted in one language (Chinese report style, or English)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def money(self, wan: float | None) -> str:
        """Money given in 万元."""
        return numbers.money(wan, self.lang)

    def people(self, n: float | None) -> str:
        """A head count."""
        return numbers.people(n, self.lang)

    def count(self, n: float | None, unit: str = "家") -> str:
        """A count with its measure word (Chinese only)."""
        return numbers.count(n, self.lang, unit)

    def percent(self, value: float | None) -> str:
        """A percentage (already times 100)."""
        return numbers.percent(value)

    def growth(self, pct: float | None) -> str:
        """Year-on-year growth in percent."""
        return numbers.growth(pct, self.lang)

    def points(self, pp: float | None) -> str:
        """Year-on-year change in percentage points."""
        return numbers.points(pp, self.lang)

    def indicator(self, ind: str, value: float | None) -> str:
        """A key indicator's value in its own unit."""
        unit = UNITS[ind]
        if unit == "万元":
            return self.money(value)
        if unit == "人":
            return self.people(value)
        if unit == "%":
            return self.percent(value)
        return self.count(value, unit)

    def change(self, ind: str, change: float | None) -> str:
        """A key indicator's year-on-year change: growth, or percentage points for ratios."""
        return self.points(change) if UNITS[ind] == "%" else self.growth(change)

    def direction(self, change: float | None) -> str:
        """up / down / flat, as the change reads when shown (a CSS class)."""
        return numbers.direction(change)

    def date(self, value: dt.date | None) -> str:
        """A date as YYYY-MM-DD."""
        return value.isoformat() if value else numbers.MISSING

    def time(self, value: dt.datetime | None) -> str:
        """A moment as YYYY-MM-DD HH:MM in China Standard Time (UTC+8), where the park is."""
        return value.astimezone(CST).strftime("%Y-%m-%d %H:%M") if value else numbers.MISSING


CST = dt.timezone(dt.timedelta(hours=8), "CST")


def _environment() -> jinja2.Environment:
    folder = resources.files("parkbrain.web") / "templates"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)),
                             autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["json_script"] = json_script
    return env


def json_script(data: object) -> Markup:
    """Data for a <script type="application/json"> block, safe against `</script>` in strings."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def templates() -> Jinja2Templates:
    """The app's templates (one environment per app)."""
    return Jinja2Templates(env=_environment())


def is_partial(request: Request) -> bool:
    """HTMX asks for a block of the page (not when it restores the history: that needs the whole page)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")


def url_with(request: Request, **changes: object) -> str:
    """The current path with query parameters changed (None removes one); relative, never absolute."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return request.url.path + ("?" + urlencode(params) if params else "")


def page_context(request: Request, *, active: str, **extra: object) -> dict:
    """What every page needs: language, messages, figures, the demo flag, navigation, the user."""
    lang = request_language(request)
    other = "en" if lang == "zh" else "zh"
    park = request.app.state.park
    principal = getattr(request.state, "principal", None)
    user = principal if isinstance(principal, Principal) else None
    return {"request": request, "lang": lang, "t": translator(lang), "fig": Figures(lang),
            "demo": is_demo(park), "active": active, "switch_url": url_with(request, lang=other),
            "switch_lang": other, "html_lang": "zh-CN" if lang == "zh" else "en",
            "msg": lambda message_key, /, **params: translate(message_key, lang, **params), "user": user,
            "can": lambda permission: bool(user and user.can(Permission(permission))),
            "csrf_token": csrf_token(request)} | extra


def render_page(request: Request, name: str, context: dict, status_code: int = 200) -> HTMLResponse:
    """A template rendered for a request; never cached (pages show one user's data)."""
    response = request.app.state.templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers["Vary"] = "Accept-Language, Cookie, HX-Request"
    return response


def is_demo(park) -> bool:
    """Whether the park's data are the synthetic demo (labelled as such wherever shown)."""
    try:
        return bool(getattr(park, "is_demo", False))
    except Exception:  # noqa: BLE001 - an unreadable flag must not take a page down
        return False
