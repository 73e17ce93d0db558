"""Messages in Chinese (first) and English: catalogues are YAML files in parkbrain/locales.

Every file named ``<area>.<lang>.yaml`` adds its keys to that language's catalogue, so each
capability keeps its own messages. A key missing in English falls back to Chinese.

>>> translate("import.required", "en", column="企业名称")
'企业名称 is required but empty; fill it in'
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

LANGUAGES = ("zh", "en")


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All messages of one language, flattened to dotted keys."""
    folder = resources.files("parkbrain") / "locales"
    merged: dict[str, str] = {}
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(f".{lang}.yaml"):
            area = entry.name.split(".")[0]
            _flatten(area, yaml.safe_load(entry.read_text(encoding="utf-8")) or {}, merged)
    return merged


def _flatten(prefix: str, node: dict, out: dict[str, str]) -> None:
    for key, value in node.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict):
            _flatten(name, value, out)
        else:
            out[name] = str(value)


def translate(key: str, lang: str = "zh", /, **params: object) -> str:
    """The message for a key in a language, with its {placeholders} filled in."""
    text = catalogue(lang).get(key) or catalogue("zh").get(key) or key
    return text.format(**params) if params else text
