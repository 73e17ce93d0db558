"""Sentences and clauses: a line splits into sentences at 。!? and a sentence into clauses at , ; : and
the spaces of a headline.

>>> [[s.clause_text(c) for c in s.clauses] for s in split_sentences(["上半年,地区生产总值增长4%;新增8762家。全年如此"])]
[['上半年', '地区生产总值增长4%', '新增8762家。'], ['全年如此']]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE = re.compile(r"[^。!?！？]+(?:[。!?！？]+[”’\"]?|$)")
# A comma between digits may group thousands (1,234), a colon between digits tells the time.
_CLAUSE_BREAK = re.compile(r"(?=[,:，;；： ])(?:(?<!\d),|,(?!\d{3}(?!\d))|(?<!\d):|:(?!\d)|[，;；：]"
                           r"|(?<=[\u4e00-\u9fff”》)]) +(?=[\u4e00-\u9fff“《(]))")


@dataclass(frozen=True)
class Sentence:
    """A sentence of a content line: its text, clause spans, line (paragraph) and first clause number."""

    text: str
    clauses: tuple[tuple[int, int], ...]
    paragraph: int
    first_clause: int

    def clause_text(self, span: tuple[int, int]) -> str:
        """The text of one clause, without its separator."""
        return self.text[span[0]:span[1]].strip(" ,，;；:：")

    def clause_at(self, position: int) -> int:
        """The number of the clause (within the sentence) holding a position."""
        for i, (start, end) in enumerate(self.clauses):
            if start <= position < end:
                return i
        return len(self.clauses) - 1


def _clauses(text: str) -> tuple[tuple[int, int], ...]:
    spans, start = [], 0
    for m in _CLAUSE_BREAK.finditer(text):
        if m.start() > start:
            spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return tuple(spans) or ((0, len(text)),)


def split_sentences(lines: list[str]) -> list[Sentence]:
    """The sentences of content lines, in order; each line is a paragraph."""
    sentences, clause_count = [], 0
    for paragraph, line in enumerate(lines):
        for m in _SENTENCE.finditer(line.strip()):
            text = m.group()
            if not text.strip():
                continue
            spans = _clauses(text)
            sentences.append(Sentence(text, spans, paragraph, clause_count))
            clause_count += len(spans)
    return sentences
