"""Matching: 一键找园 (space for firms and founders) and 校企 / 博士入企 (experts for technology needs).

Plain functions over arrays and the Warehouse interface; no web or CLI imports (issue 6).

- spaces: `find_spaces(spaces, parks, SpaceNeeds(...))` ranks listings with reasons;
  `listings` creates, updates, lets and withdraws them.
- experts: `build_expert_index(experts)` then `find_experts(index, ExpertQuery(...))`; any
  `Ranker` (BM25 by default) plugs in; `assign` places experts on needs with capacities.
- collaborations: proposed → accepted → signed → completed, and the board's counts.
- service: the same over a warehouse, with caches keyed on the tables' state.
"""

from parkbrain.matching.assignment import Assignment, assign, greedy
from parkbrain.matching.collaborations import STATUSES, advance, board, propose
from parkbrain.matching.experts import ExpertMatch, ExpertQuery, MatchWeights, find_experts
from parkbrain.matching.index import ExpertIndex, build_expert_index
from parkbrain.matching.listings import (
    ListingError,
    create_listing,
    let_space,
    update_listing,
    withdraw_space,
)
from parkbrain.matching.rankers import BM25Ranker, EmbeddingRanker, Ranker
from parkbrain.matching.space_needs import SpaceNeeds, SpaceNeedsError
from parkbrain.matching.spaces import SpaceCatalogue, SpaceMatch, SpaceResults, find_spaces

__all__ = [
    "STATUSES", "Assignment", "BM25Ranker", "EmbeddingRanker", "ExpertIndex", "ExpertMatch", "ExpertQuery",
    "ListingError", "MatchWeights", "Ranker", "SpaceCatalogue", "SpaceMatch", "SpaceNeeds", "SpaceNeedsError",
    "SpaceResults", "advance", "assign", "board", "build_expert_index", "create_listing", "find_experts",
    "find_spaces", "greedy", "let_space", "propose", "update_listing", "withdraw_space",
]
