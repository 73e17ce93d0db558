"""The reader's word lists (lexicon.yaml), loaded once and compiled into longest-first patterns.

>>> lex = load_lexicon()
>>> lex.money["美元"], lex.qualifiers_before["不少于"], lex.growth_verbs["下降"]
('USD', 'gte', -1)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


def alternation(words: object) -> str:
    """A regex alternation of words, longest first (so 平方公里 wins over 平方)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@dataclass(frozen=True)
class Lexicon:
    """The word lists of lexicon.yaml, with the patterns compiled from them."""

    money: dict[str, str]
    measures: dict[str, str]
    counters: dict[str, str]
    count_nouns: dict[str, str]
    qualifiers_before: dict[str, str]
    qualifiers_after: dict[str, str]
    growth_verbs: dict[str, int]
    change_verbs: dict[str, int]
    gap_words: tuple[str, ...]
    target_cues: tuple[str, ...]
    not_target_after_jiang: tuple[str, ...]
    not_target_jiang_next: tuple[str, ...]
    metric_lead_words: tuple[str, ...]
    metric_trail_words: tuple[str, ...]
    back_references: frozenset[str]
    not_counted_after: tuple[str, ...]
    right_stop_verbs: tuple[str, ...]
    object_verbs: tuple[str, ...]

    @property
    def units(self) -> dict[str, str]:
        """Every unit word after a number: money, measures and counters."""
        return {**self.counters, **self.measures, **self.money}


@cache
def load_lexicon() -> Lexicon:
    """The lexicon shipped with ParkBrain."""
    raw = yaml.safe_load((resources.files("parkbrain.bulletins") / "lexicon.yaml").read_text("utf-8"))
    raw.pop("version", None)
    tuples = ("gap_words", "target_cues", "not_target_after_jiang", "not_target_jiang_next",
              "metric_lead_words", "metric_trail_words", "not_counted_after", "right_stop_verbs",
              "object_verbs")
    fields = {k: tuple(v) if k in tuples else v for k, v in raw.items()}
    fields["back_references"] = frozenset(raw["back_references"])
    return Lexicon(**fields)
