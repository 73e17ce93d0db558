"""Subjects: which body a figure is about (facts.md "subject").

Within a document each body has one name, the one the text introduces it by; its short forms
(钱塘 for 钱塘区, 高新区(滨江) for 杭州高新区(滨江)), nicknames (aliases.yaml: 国际滨) and
anaphora (该区, 全区) resolve to it. The main subject is the body most clauses start with.

>>> s = document_subjects(["上半年,钱塘区实现增加值352亿元。", "钱塘新增企业20家,我区投资增长5%。"])
>>> s.main, s.resolve("钱塘"), leading_subject("我区投资增长5%", s)
('钱塘区', '钱塘区', '钱塘区')
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from parkbrain.bulletins.bodies import (
    _SCOPE_BEFORE,
    ADMIN_SUFFIXES,
    PARK_SUFFIXES,
    BodyMention,
    clear_caches,
    find_bodies,
    load_aliases,
)
from parkbrain.bulletins.lexicon import alternation

__all__ = ["BodyMention", "Subjects", "clear_caches", "document_subjects", "find_bodies", "leading_subject",
           "load_aliases"]

_ANAPHORA = re.compile(r"该区|全区|我区|本区|该园区|园区|区内|全园|该市|本市|我市|该县|全县|该城|全域|该片区")
_CLAUSES = re.compile(r"[,，;；:：。!?！？ ]")
_CLAUSE_START = re.compile(r"(?:^|(?<=[,，;；:：。!?！？ ]))(?:[\s“”\"'‘’(]|其中|同时|此外|另外|而且|而|并|且|还|也|在|"
                           r"据统计|目前|如今|当前|截至目前|今年以来|近年来|与此同时|作为)*")
_LEADING = re.compile(r"^(?:[\s“”\"'‘’(]|其中|同时|此外|另外|而且|而|并|且|还|也|在|据统计|目前|如今|当前|"
                      r"截至目前|今年以来|近年来|与此同时|作为)+")


def _key(name: str) -> str:
    return (name.replace("高新技术产业开发区", "高新区").replace("经济技术开发区", "经开区")
            .replace("“", "").replace("”", ""))


@dataclass
class Subjects:
    """The bodies of one document: one name each, their short forms, and the main subject."""

    names: list[str] = field(default_factory=list)  # display names, in order of introduction
    short: dict[str, str] = field(default_factory=dict)  # a stem or nickname → display name
    main: str | None = None
    leading: dict[str, str | None] = field(default_factory=dict)  # clause → its leading subject
    _shorts: re.Pattern | bool | None = field(default=None, repr=False)  # the main subject's short forms

    def mentions(self, text: str, start: int = 0, end: int | None = None,
                 bodies: list[BodyMention] | None = None) -> list[BodyMention]:
        """The bodies text[start:end] names, by full name or the main subject's short forms (钱塘), left
        to right, counted from start; `bodies`: find_bodies(text), when already found."""
        end = len(text) if end is None else end
        bodies = find_bodies(text[start:end]) if bodies is None else [
            BodyMention(b.start - start, b.end - start, b.name, b.scope) for b in bodies
            if start <= b.start and b.end <= end]
        text = text[start:end]
        found = [b for b in bodies if not text.startswith("等", b.end)]
        if self._shorts is None:
            shorts = [s for s, name in self.short.items() if name == self.main]
            self._shorts = re.compile(alternation(shorts)) if shorts else False
        if self._shorts:
            for m in self._shorts.finditer(text):
                if not any(b.start <= m.start() < b.end for b in found):
                    scope = bool(_SCOPE_BEFORE.search(text[max(0, m.start() - 3):m.start()]))
                    found.append(BodyMention(m.start(), m.end(), m.group(), scope))
        return sorted(found, key=lambda b: b.start)

    def resolve(self, written: str) -> str:
        """The document's name for a body as written (钱塘 → 钱塘区, 国际滨 → 杭州高新区(滨江))."""
        written = written.strip("“”\"")
        if written in self.short:
            return self.short[written]
        key = _key(written)
        if written in self.names:
            return written
        # 杭州高新区(滨江) and 高新区(滨江) are one body; 城西科创大走廊西湖片区 is a part of another.
        longer = [n for n in self.names if _key(n).endswith(key)]
        if longer:
            return longer[0]
        shorter = [n for n in self.names if key.endswith(_key(n))]
        return max(shorter, key=len) if shorter else written


def _short_forms(name: str) -> list[str]:
    """Short names a text may use for a body once named: 钱塘 for 钱塘区, 高新区(滨江) for 杭州高新区(滨江)."""
    forms = []
    for suffix in ADMIN_SUFFIXES:
        if name.endswith(suffix) and not name.endswith(PARK_SUFFIXES) and len(name) - len(suffix) >= 2:
            forms.append(name[: -len(suffix)])
    if "(" in name:
        forms.append(name.split("(")[1].rstrip(")"))
        for k in (2, 3):  # 杭州高新区(滨江) → 高新区(滨江)
            if name[k:].startswith(PARK_SUFFIXES):
                forms.append(name[k:])
    return forms


def document_subjects(lines: list[str]) -> Subjects:
    """The bodies a document names and the one it is mostly about (its main subject): the body
    most clauses start with (钱塘实现…, “国际滨”将…), else the body named most often."""
    subjects, named = Subjects(), Counter()
    aliases = load_aliases()
    for line in lines:
        for body in find_bodies(line):
            canonical = aliases.get(body.name, body.name)
            if body.name != canonical and body.name.endswith(PARK_SUFFIXES + ADMIN_SUFFIXES) \
                    and subjects.resolve(canonical) == canonical:
                canonical = body.name  # 东湖高新区 is a name as written; 光谷 and 国际滨 are nicknames
                subjects.short.setdefault(aliases[body.name], body.name)
            name = subjects.resolve(canonical)
            if name == canonical and name not in subjects.names:
                subjects.names.append(name)
                subjects.short.update({s: name for s in _short_forms(name) if s not in subjects.short})
            if body.name in aliases and body.name != name:
                subjects.short[body.name] = name
            named[name] += 0 if body.scope else 1
    _defined_short_names(lines, subjects)
    leading = _leading_counts(lines, subjects)
    if subjects.names:
        subjects.main = max(subjects.names,
                            key=lambda n: (leading[n], named[n], -subjects.names.index(n)))
    return subjects


_DEFINED = re.compile(r"[(（](?:以下简称|以下称|下称|简称)[“\"]?([^()（）“”\"]{2,16}?)[”\"]?[)）]")


def _defined_short_names(lines: list[str], subjects: Subjects) -> None:
    """青岛经济技术开发区(以下简称青岛经开区): the body goes by its defined short name."""
    for line in lines:
        for m in _DEFINED.finditer(line):
            before = [b for b in find_bodies(line[:m.start()]) if b.end == m.start()]
            if not before:
                continue
            old, new = subjects.resolve(before[-1].name), m.group(1)
            if old in subjects.names and new not in subjects.names:
                subjects.names[subjects.names.index(old)] = new
                subjects.short.update({k: new for k, v in subjects.short.items() if v == old})
                subjects.short[old] = new


def _leading_counts(lines: list[str], subjects: Subjects) -> Counter:
    """How many clauses start with each body (by name, short form or nickname)."""
    counts: Counter = Counter()
    forms = {**{n: n for n in subjects.names}, **subjects.short}
    sizes = sorted({len(f) for f in forms}, reverse=True)
    for line in lines:
        for m in _CLAUSE_START.finditer(line):
            start = m.end() + (line.startswith("“", m.end()))
            found = next((line[start:start + n] for n in sizes if line[start:start + n] in forms), None)
            if found:
                counts[forms[found]] += 1
    return counts


def leading_subject(clause: str, subjects: Subjects) -> str | None:
    """The body a clause starts with (after time words and connectives), resolved; None if none."""
    if subjects.main is not None and clause in subjects.leading:
        return subjects.leading[clause]
    found = _leading(clause, subjects)
    if subjects.main is not None:
        subjects.leading[clause] = found
    return found


def _leading(clause: str, subjects: Subjects) -> str | None:
    rest = _LEADING.sub("", clause)
    if _ANAPHORA.match(rest):
        return subjects.main
    main_suffix = next((s for s in PARK_SUFFIXES if (subjects.main or "").endswith(s)), None)
    if main_suffix and rest.startswith(main_suffix):
        return subjects.main  # 科技城作为… in a text about 紫金港科技城
    for body in find_bodies(rest[:30]):
        if body.start == 0 or not _LEADING.sub("", rest[:body.start]):
            return None if body.scope else subjects.resolve(body.name)
        break
    for short, name in subjects.short.items():
        if rest.startswith(short) or rest.startswith(f"“{short}”"):
            return name
    return None
