"""Enterprise text columns: codes, names, 经营范围 and 主要产品 built from chain-link keywords."""

from __future__ import annotations

import numpy as np

from parkbrain.demo import arrowkit as ak
from parkbrain.demo import naming
from parkbrain.demo.firms import Firms, Lines
from parkbrain.demo.panel import Coded, FirmText
from parkbrain.demo.vocab import Vocabulary

VARIANTS = 24  # distinct scope / product texts per line of business
_TECH_HEAD = "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；"
_TAIL = "（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）。"


def _line_words(vocab: Vocabulary) -> list[tuple[list[str], list[str], list[str]]]:
    """(scope items, products, name words) of every line, links first."""
    out = [(lk.scope, lk.products, lk.name_words) for _, lk in vocab.links]
    return out + [(s.scope, s.products, s.name_words) for s in vocab.sectors]


def _pick(rng: np.random.Generator, items: list[str], low: int, high: int) -> list[str]:
    """A few items in their listed order."""
    k = int(rng.integers(low, min(high, len(items)) + 1))
    return [items[j] for j in sorted(rng.choice(len(items), size=k, replace=False))]


def scope_and_product_variants(rng: np.random.Generator, vocab: Vocabulary,
                               lines: Lines) -> tuple[list[str], list[str]]:
    """VARIANTS business-scope and product texts per line, line-major."""
    scopes, products = [], []
    for i, (scope, prods, _) in enumerate(_line_words(vocab)):
        head = _TECH_HEAD if lines.tech[i] else ""
        for _ in range(VARIANTS):
            tail = vocab.scope_tails[int(rng.integers(len(vocab.scope_tails)))]
            own = "；".join(_pick(rng, scope, 2, 4))
            scopes.append(f"一般项目：{head}{own}；{tail}{_TAIL}")
            products.append("、".join(_pick(rng, prods, 1, 3)))
    return scopes, products


def firm_text(rng: np.random.Generator, vocab: Vocabulary, lines: Lines, firms: Firms,
              joint_stock: np.ndarray) -> FirmText:
    """The enterprises' codes, names, places and descriptions."""
    n = firms.n
    uscc = naming.uscc_codes(rng, [d.region for d in vocab.districts], firms.district, firms.founded_year)
    per_line = [w for _, _, w in _line_words(vocab)]
    words = [w for ws in per_line for w in ws]
    offsets = np.cumsum([0] + [len(ws) for ws in per_line])[:-1]
    counts = np.array([len(ws) for ws in per_line])
    word_idx = offsets[firms.line] + (rng.random(n) * counts[firms.line]).astype(np.int64)
    name = naming.company_names(rng, vocab.brands(), words, word_idx, joint_stock)
    scopes, products = scope_and_product_variants(rng, vocab, lines)
    variant = firms.line * VARIANTS + rng.integers(0, VARIANTS, n)
    every = np.arange(n)
    return FirmText(
        uscc=Coded(uscc, every),
        name=Coded(name, every),
        district=Coded(ak.strings([d.name for d in vocab.districts]), firms.district),
        park=Coded(ak.strings([p.name for p in vocab.parks]), np.maximum(firms.park, 0), firms.park < 0),
        industry_code=Coded(ak.strings(list(vocab.industry_names)), np.maximum(firms.code, 0), firms.code < 0),
        business_scope=Coded(ak.strings(scopes), variant, rng.random(n) < 0.015),
        products=Coded(ak.strings(products), firms.line * VARIANTS + rng.integers(0, VARIANTS, n),
                       rng.random(n) < 0.04),
    )
