"""Chinese text to search terms: jieba (search mode) plus the pool's own key phrases.

Experts' keywords (芯片架构设计, 钙钛矿电池 …) are kept whole as terms as well as cut into words,
so a need that names a keyword exactly matches it as one term and still matches its parts.

>>> tokenizer = Tokenizer(phrases=["射频前端"])
>>> tokenizer.terms("5G模组与射频前端")
['5g', '模组', '射频', '前端', '射频前端']
>>> tokenizer.terms("长期从事芯片设计方向研究")
['芯片', '设计']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

import yaml

from parkbrain.words import private_tokenizer

# jieba's own block pattern: runs of CJK, ASCII letters and digits; everything else separates.
_BLOCK = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+")
_CJK = re.compile(r"[\u4E00-\u9FD5]")
_MEMO_LIMIT = 500_000  # cut blocks remembered per tokenizer; real texts repeat their phrases


@cache
def stopwords() -> frozenset[str]:
    """The words left out of retrieval (matching/stopwords.yaml)."""
    text = (resources.files("parkbrain.matching") / "stopwords.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return frozenset(w for key in ("function_words", "boilerplate") for w in data[key])


def _jieba():
    """A private jieba tokenizer (another module's jieba.add_word cannot change our terms)."""
    return private_tokenizer()


def warm_up() -> None:
    """Load jieba's dictionary now (about a second, once per process), not on the first search."""
    _jieba()


def split_list(value: str | None) -> list[str]:
    """A `;`-separated template cell as its items (full-width ；, commas and blanks tolerated).

    >>> split_list("芯片设计; 智能物联；")
    ['芯片设计', '智能物联']
    """
    return [p.strip() for p in re.split(r"[;；,，、]", value or "") if p.strip()]


class Tokenizer:
    """Text to terms: lower-cased jieba search-mode words and whole key phrases, stopwords out."""

    def __init__(self, phrases: Iterable[str] = ()) -> None:
        words = sorted({p.strip().lower() for p in phrases if len(p.strip()) >= 2}, key=len, reverse=True)
        self.phrases = frozenset(words)
        self._phrase_re = re.compile("|".join(map(re.escape, words))) if words else None
        self._memo: dict[str, tuple[str, ...]] = {}
        self._stop = stopwords()

    def terms(self, text: str | None) -> list[str]:
        """The search terms of a text, in order, repeats kept (they are term frequencies)."""
        out: list[str] = []
        for block in _BLOCK.findall((text or "").lower()):
            cut = self._memo.get(block)
            if cut is None:
                cut = self._cut(block)
                if len(self._memo) < _MEMO_LIMIT:
                    self._memo[block] = cut
            out.extend(cut)
        return out

    def _cut(self, block: str) -> tuple[str, ...]:
        words = [w for w in _jieba().cut_for_search(block) if self._keep(w)]
        if self._phrase_re is not None:
            words += [m.group(0) for m in self._phrase_re.finditer(block) if m.group(0) not in words]
        return tuple(words)

    def _keep(self, word: str) -> bool:
        word = word.strip()
        if not word or word in self._stop:
            return False
        # One CJK character says little (的, 光, 膜 …); one ASCII letter or digit says nothing.
        return len(word) >= 2 and (bool(_CJK.search(word)) or any(c.isalnum() for c in word))
