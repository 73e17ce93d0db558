"""How good the placement is against labels (hand labels, or the demo generator's hidden truth).

>>> scores = placement_scores({"a": "x/1", "b": "x/2", "c": None}, {"a": "x/1", "b": "x/1", "c": "x/3", "d": None})
>>> scores["precision"], scores["recall"], scores["accuracy"], scores["placed"], scores["labelled"]
(0.5, 0.333, 0.5, 2, 4)
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from parkbrain.chains.catalogue import Catalogue


def primary_links(placements: pa.Table) -> dict[str, str]:
    """uscc -> `chain/link` of its primary placement."""
    primary = placements.filter(pc.equal(placements.column("rank"), 1))
    keys = pc.binary_join_element_wise(primary.column("chain"), primary.column("link"), "/")
    return dict(zip(primary.column("uscc").to_pylist(), keys.to_pylist(), strict=True))


def truth_links(truth: pa.Table, catalogue: Catalogue) -> dict[str, str | None]:
    """uscc -> link key from the demo's hidden truth (its ecosystem and link names), None off the chains."""
    by_name = {(catalogue.chain(lk.chain).zh, lk.zh): lk.key for lk in catalogue.links}
    return {r["uscc"]: by_name.get((r["ecosystem"], r["chain_link"])) for r in truth.to_pylist()}


def placement_scores(predicted: dict[str, str | None], expected: dict[str, str | None]) -> dict:
    """Precision (placed on the right link), recall (labelled ones found) and accuracy (`none` counted)."""
    pairs = [(predicted.get(u), e) for u, e in expected.items()]
    placed = [(p, e) for p, e in pairs if p]
    on_chain = [(p, e) for p, e in pairs if e]
    right = sum(1 for p, e in placed if p == e)

    def ratio(a: int, b: int) -> float | None:
        return round(a / b, 3) if b else None

    return {"labelled": len(pairs), "placed": len(placed), "on_chain": len(on_chain), "right": right,
            "precision": ratio(right, len(placed)), "recall": ratio(right, len(on_chain)),
            "accuracy": ratio(sum(1 for p, e in pairs if p == e), len(pairs)),
            "wrong": sorted((u, predicted.get(u), e) for u, e in expected.items() if predicted.get(u) != e)}
