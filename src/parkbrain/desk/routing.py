"""Routing rules as data: which department takes which category of request (data/desk_routing.yaml).

>>> rules = load_routing()
>>> rules.route("finance"), rules.route("other")
('finance', 'enterprise_service')
>>> rules.department_label("talent", "zh")
'人才工作办公室'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml


class RoutingError(ValueError):
    """The routing file is inconsistent; the message names the entry and what to fix."""


@dataclass(frozen=True)
class Labelled:
    """A department or a category: its id and its names in Chinese and English."""

    id: str
    zh: str
    en: str
    department: str | None = None  # categories only

    def label(self, lang: str) -> str:
        """The name in `lang` (Chinese unless English is asked for)."""
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class RoutingRules:
    """Departments, categories and the default department, from one dated version of the file."""

    version: str
    source: str
    reference: dict
    departments: dict[str, Labelled]
    categories: dict[str, Labelled]
    default_department: str

    def route(self, category: str) -> str:
        """The department that takes a new request of `category` (the default one when unknown)."""
        found = self.categories.get(category)
        return found.department if found and found.department else self.default_department

    def department_label(self, department: str, lang: str) -> str:
        """A department's name (its id when the rules no longer list it)."""
        found = self.departments.get(department)
        return found.label(lang) if found else department

    def category_label(self, category: str, lang: str) -> str:
        """A category's name (its id when the rules no longer list it)."""
        found = self.categories.get(category)
        return found.label(lang) if found else category


def _entries(data: dict, key: str, where: str) -> dict[str, Labelled]:
    out: dict[str, Labelled] = {}
    for item in data.get(key) or []:
        missing = [f for f in ("id", "zh", "en") if not item.get(f)]
        if missing:
            raise RoutingError(f"{where}: an entry of {key} lacks {', '.join(missing)}: {item}")
        if item["id"] in out:
            raise RoutingError(f"{where}: {key} lists {item['id']!r} twice; keep one")
        out[item["id"]] = Labelled(item["id"], item["zh"], item["en"], item.get("department"))
    if not out:
        raise RoutingError(f"{where}: {key} is empty; list at least one")
    return out


def parse_routing(data: dict, where: str = "desk_routing.yaml") -> RoutingRules:
    """Check and compile the routing data (every category routed to a listed department)."""
    departments = _entries(data, "departments", where)
    categories = _entries(data, "categories", where)
    default = data.get("default_department")
    if default not in departments:
        raise RoutingError(f"{where}: default_department {default!r} is not one of the departments")
    for category in categories.values():
        if category.department not in departments:
            raise RoutingError(f"{where}: category {category.id!r} goes to {category.department!r}, "
                               f"which is not a department; use one of {', '.join(departments)}")
    return RoutingRules(str(data.get("version", "")), str(data.get("source", "")), dict(data.get("reference") or {}),
                        departments, categories, default)


@cache
def load_routing(path: Path | None = None) -> RoutingRules:
    """The routing rules from `path`, by default the packaged data/desk_routing.yaml."""
    if path is None:
        text = (resources.files("parkbrain") / "data" / "desk_routing.yaml").read_text(encoding="utf-8")
        return parse_routing(yaml.safe_load(text))
    return parse_routing(yaml.safe_load(Path(path).read_text(encoding="utf-8")), str(path))
