"""The chain catalogue: one YAML file per chain (links up-, mid- and downstream, supply edges).

The package's files live in ``parkbrain/data/chains``; an officer adds or replaces a chain by
putting a file in ``<home>/chains`` (same ``id``: the home's file wins). Files are validated
and every problem is reported with its file and line.

>>> cat = load_catalogue()
>>> [c.id for c in cat.chains]
['smart_iot', 'biomedicine', 'high_end_equipment', 'green_energy', 'new_materials']
>>> cat.link("smart_iot/chip_design").zh, cat.find_link("芯片设计").key
('芯片设计', 'smart_iot/chip_design')
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from parkbrain.chains.datafile import DataFileError, load_model, read_yaml, where

POSITIONS = ("upstream", "midstream", "downstream")
SEPARATORS = "、；;，,。：:（）() \t\n/|"
ID_PATTERN = r"^[a-z][a-z0-9_]*$"


def _keyword(word: str) -> str:
    bad = [c for c in word if c in SEPARATORS]
    if bad:
        raise ValueError(f"keyword {word!r} contains {bad[0]!r}, which splits texts into items, so it could "
                         "never match; write it as separate keywords")
    return word


def _code(code: str) -> str:
    if not (2 < len(code) < 6 and code[0] in "ABCDEFGHIJKLMNOPQRST" and code[1:].isdigit()):
        raise ValueError(f"{code!r} is not a GB/T 4754-2017 code: a section letter A–T and 2–4 digits, e.g. I6520")
    return code


Id = Annotated[str, Field(pattern=ID_PATTERN, description="lower-case ascii id, e.g. chip_design")]
Keyword = Annotated[str, Field(min_length=2), AfterValidator(_keyword)]
Code = Annotated[str, AfterValidator(_code)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Names(_Strict):
    """A name in Chinese and English."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class LinkEntry(_Strict):
    """One link as written in a chain file."""

    id: Id
    name: Names
    codes: dict[Code, str] = {}
    keywords: list[Keyword] = Field(min_length=1)
    generic: list[Keyword] = Field(default=[], description="common words that count half, e.g. 软件开发")
    note: str | None = None


class EdgeEntry(_Strict):
    """A supply edge: `from` supplies `to` (a link of another chain is written chain/link)."""

    source: str = Field(alias="from")
    target: str = Field(alias="to")
    note: str | None = None


class LinksByPosition(_Strict):
    """The chain's links grouped by position."""

    upstream: list[LinkEntry] = []
    midstream: list[LinkEntry] = []
    downstream: list[LinkEntry] = []


class ChainFile(_Strict):
    """A chain file: id, names, version, sources, links and edges."""

    id: Id
    name: Names
    order: int = Field(default=100, description="place in lists, lowest first")
    version: str
    sources: list[str] = Field(min_length=1)
    links: LinksByPosition
    edges: list[EdgeEntry] = []


@dataclass(frozen=True)
class Link:
    """One link of a chain, e.g. 智能物联 / 芯片设计."""

    chain: str
    id: str
    zh: str
    en: str
    position: str
    codes: dict[str, str]
    keywords: tuple[str, ...]
    generic: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """`chain/link`, unique in the catalogue."""
        return f"{self.chain}/{self.id}"

    def name(self, lang: str) -> str:
        """The link's name in a language."""
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Edge:
    """`source` supplies `target` (both link keys)."""

    source: str
    target: str


@dataclass(frozen=True)
class Chain:
    """One chain: its links in order (upstream first) and its supply edges."""

    id: str
    zh: str
    en: str
    order: int
    version: str
    sources: tuple[str, ...]
    links: tuple[Link, ...]
    edges: tuple[Edge, ...]
    path: Path

    def name(self, lang: str) -> str:
        """The chain's name in a language."""
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True, eq=False)
class Catalogue:
    """All chains, with lookups by link key, id or Chinese name."""

    chains: tuple[Chain, ...]
    fingerprint: str = field(default="")

    @cached_property
    def links(self) -> tuple[Link, ...]:
        """Every link, chain by chain, upstream first."""
        return tuple(lk for c in self.chains for lk in c.links)

    @cached_property
    def _by_key(self) -> dict[str, Link]:
        return {lk.key: lk for lk in self.links}

    def chain(self, chain_id: str) -> Chain:
        """One chain by id (KeyError naming the known ids)."""
        for c in self.chains:
            if c.id == chain_id:
                return c
        raise KeyError(f"no chain {chain_id!r}; chains are {', '.join(c.id for c in self.chains)}")

    def link(self, key: str) -> Link:
        """One link by its key `chain/link`."""
        if key not in self._by_key:
            raise KeyError(f"no link {key!r}; write it as chain/link, e.g. smart_iot/chip_design")
        return self._by_key[key]

    def find_link(self, text: str, chain: str | None = None) -> Link:
        """A link by key, id or Chinese / English name (optionally within one chain)."""
        text = text.strip()
        found = [lk for lk in self.links if (chain is None or lk.chain == chain)
                 and text in (lk.key, lk.id, lk.zh, lk.en)]
        if len(found) != 1:
            what = "matches no link" if not found else f"matches {', '.join(lk.key for lk in found)}"
            raise KeyError(f"{text!r} {what}; give the link as chain/link, e.g. smart_iot/chip_design")
        return found[0]

    @cached_property
    def edges(self) -> tuple[Edge, ...]:
        """All supply edges, each once."""
        return tuple(dict.fromkeys(e for c in self.chains for e in c.edges))

    def suppliers(self, key: str) -> list[str]:
        """Links that supply `key`."""
        return [e.source for e in self.edges if e.target == key]

    def customers(self, key: str) -> list[str]:
        """Links that `key` supplies."""
        return [e.target for e in self.edges if e.source == key]

    def degree(self, key: str) -> int:
        """Supply edges touching a link (in and out)."""
        return len(self.suppliers(key)) + len(self.customers(key))


def package_dir() -> Path:
    """The folder of the chain files shipped with ParkBrain."""
    return Path(str(resources.files("parkbrain") / "data" / "chains"))


def _chain(entry: ChainFile, path: Path) -> Chain:
    links = tuple(Link(entry.id, lk.id, lk.name.zh, lk.name.en, pos, dict(lk.codes), tuple(lk.keywords),
                       tuple(w for w in lk.generic if w not in lk.keywords))
                  for pos in POSITIONS for lk in getattr(entry.links, pos))
    edges = tuple(Edge(*(p if "/" in p else f"{entry.id}/{p}" for p in (e.source, e.target))) for e in entry.edges)
    return Chain(entry.id, entry.name.zh, entry.name.en, entry.order, entry.version, tuple(entry.sources), links, edges, path)


def _check_chain(chain: Chain) -> list[str]:
    """Problems inside one chain: repeated link ids."""
    _, lines = read_yaml(chain.path)
    seen: set[str] = set()
    problems = []
    for pos in POSITIONS:
        ids = [lk.id for lk in chain.links if lk.position == pos]
        for i, link_id in enumerate(ids):
            if link_id in seen:
                problems.append(f"{where(chain.path, lines, ('links', pos, i, 'id'))}: link id {link_id!r} "
                                "is used twice in this chain; give each link its own id")
            seen.add(link_id)
    return problems


def _check_edges(chains: Iterable[Chain]) -> list[str]:
    """Edges must join two different known links."""
    known = {lk.key for c in chains for lk in c.links}
    problems = []
    for c in chains:
        _, lines = read_yaml(c.path)
        for i, e in enumerate(c.edges):
            for end, key in (("from", e.source), ("to", e.target)):
                if key not in known:
                    problems.append(f"{where(c.path, lines, ('edges', i, end))}: no link {key!r}; write a link id "
                                    "of this chain or chain/link of another")
            if e.source == e.target:
                problems.append(f"{where(c.path, lines, ('edges', i))}: an edge must join two different links")
    return problems


def chain_files(dirs: Iterable[Path]) -> list[Path]:
    """The chain files of the folders, in order (a missing folder holds none)."""
    return [p for d in dirs if Path(d).is_dir() for p in sorted(Path(d).glob("*.yaml"))]


def load_catalogue(extra_dirs: Iterable[Path] = ()) -> Catalogue:
    """The package's chains plus those in `extra_dirs` (a later file with the same id wins)."""
    files = chain_files([package_dir(), *extra_dirs])
    chains: dict[str, Chain] = {}
    problems: list[str] = []
    digest = hashlib.sha256()
    for path in files:
        try:
            entry = load_model(ChainFile, path)
        except DataFileError as exc:
            problems += exc.problems
            continue
        digest.update(path.read_bytes())
        earlier = chains.get(entry.id)
        if earlier is not None and earlier.path.parent == path.parent:
            problems.append(f"{path}:1: chain id {entry.id!r} is also used by {earlier.path.name}; "
                            "give each chain file its own id")
        chains[entry.id] = _chain(entry, path)
    for chain in chains.values():
        problems += _check_chain(chain)
    problems += _check_edges(chains.values())
    if problems:
        raise DataFileError(problems)
    ordered = sorted(chains.values(), key=lambda c: (c.order, c.id))
    return Catalogue(tuple(ordered), digest.hexdigest()[:16])
