"""The demo park's vocabulary (vocabulary.yaml), loaded and checked once."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, model_validator

OTHER = "其他"

# GB/T 4754-2017 sections: letter → (first division, last division).
SECTIONS: dict[str, tuple[int, int]] = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52),
    "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72),
    "M": (73, 75), "N": (76, 79), "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90),
    "S": (91, 96), "T": (97, 97),
}


def section_matches(code: str) -> bool:
    """True when a code like C3973 has the section letter of its division."""
    if len(code) != 5 or code[0] not in SECTIONS or not code[1:].isdigit():
        return False
    low, high = SECTIONS[code[0]]
    return low <= int(code[1:3]) <= high


class Link(BaseModel):
    """One link of an industry chain, with its codes and the words that describe it."""

    name: str
    position: Literal["upstream", "midstream", "downstream"]
    weight: float
    codes: dict[str, float]
    scope: list[str]
    products: list[str]
    topics: list[str]
    name_words: list[str]


class Ecosystem(BaseModel):
    """One of the five industry ecosystems (产业生态圈)."""

    name: str
    rd: float
    margin: float
    export: float
    links: list[Link]


class Sector(BaseModel):
    """A line of business outside the five ecosystems (services, trade)."""

    name: str
    weight: float
    tech: bool
    rd: float
    margin: float
    codes: dict[str, float]
    scope: list[str]
    products: list[str]
    name_words: list[str]


class District(BaseModel):
    """A district: the home park's or a peer's."""

    name: str
    code: str
    region: str
    home: bool
    share: float
    rd_factor: float
    rent: tuple[float, float]
    mix: dict[str, float]
    link_bias: dict[str, float] = {}


class Park(BaseModel):
    """A park, incubator or 科技城 of a district."""

    id: str
    district: str
    name: str
    kind: str
    weight: float
    orientation: list[str]
    operator: str
    address: str


class CertSpec(BaseModel):
    """One title of the certification ladder and how it is awarded."""

    name: str
    start: int
    valid: int
    renew: float
    loss: float
    growth: float
    window: tuple[int, int]
    batches: int
    share: dict[str, float]


class University(BaseModel):
    """A university or institute whose experts serve the parks."""

    name: str
    city: str
    weight: float
    schools: dict[str, str]


class Vocabulary(BaseModel):
    """Everything the generator draws names, codes and proportions from."""

    districts: list[District]
    parks: list[Park]
    industry_names: dict[str, str]
    ecosystems: list[Ecosystem]
    sectors: list[Sector]
    certifications: list[CertSpec]
    universities: list[University]
    expert_titles: dict[str, float]
    surnames: str
    given_chars: str
    brand_chars: str
    investor_cities: list[str]
    project_kinds: list[str]
    scope_tails: list[str]
    talent_fields_extra: list[str]

    @model_validator(mode="after")
    def _consistent(self) -> Vocabulary:
        eco_names = [e.name for e in self.ecosystems]
        codes = [c for e in self.ecosystems for lk in e.links for c in lk.codes]
        codes += [c for s in self.sectors for c in s.codes]
        for code in codes:
            if code not in self.industry_names or not section_matches(code):
                raise ValueError(f"industry code {code} is unnamed or has the wrong section letter")
        topics = [t for e in self.ecosystems for lk in e.links for t in lk.topics]
        if len(set(topics)) != len(topics):
            raise ValueError("a topic belongs to two links")
        links = [lk.name for e in self.ecosystems for lk in e.links]
        if len(set(links)) != len(links):
            raise ValueError("a link name is used twice")
        for d in self.districts:
            if set(d.mix) != {*eco_names, OTHER} or not set(d.link_bias) <= set(links):
                raise ValueError(f"district {d.name}: mix or link_bias names are unknown")
        districts = {d.name for d in self.districts}
        for p in self.parks:
            if p.district not in districts or not set(p.orientation) <= set(eco_names):
                raise ValueError(f"park {p.id}: unknown district or ecosystem")
        return self

    @property
    def links(self) -> list[tuple[Ecosystem, Link]]:
        """All chain links in a fixed order, with their ecosystem."""
        return [(e, lk) for e in self.ecosystems for lk in e.links]

    def brands(self) -> str:
        """The brand characters, each once, in file order."""
        return "".join(dict.fromkeys(self.brand_chars))


@cache
def load_vocabulary() -> Vocabulary:
    """The vocabulary shipped in parkbrain/demo/vocabulary.yaml."""
    text = (resources.files("parkbrain.demo") / "vocabulary.yaml").read_text(encoding="utf-8")
    return Vocabulary.model_validate(yaml.safe_load(text))
