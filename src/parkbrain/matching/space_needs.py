"""What someone looking for space states (一键找园), the ranking rules, and clean-room classes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel

from parkbrain.i18n import translate
from parkbrain.numbers import fixed

USES = ("office", "wet_lab", "plant", "incubator_seat")
CRITERIA = ("industry", "use_fit", "location", "price", "area", "timing")
SPECIAL = ("floor_load", "clean_room", "power_kva", "ceiling_height")


class SpaceRules(BaseModel):
    """The ranking rules of matching/space_rules.yaml."""

    version: str
    source: str
    weights: dict[str, float]
    unknown_penalty: float
    tolerance: dict[str, float]
    secondary_orientation: float
    suited_uses: dict[str, list[str]]
    clean_room_classes: dict[str, float]


@cache
def space_rules() -> SpaceRules:
    """The shipped rules (weights, tolerances, suited uses, clean-room classes)."""
    text = (resources.files("parkbrain.matching") / "space_rules.yaml").read_text(encoding="utf-8")
    return SpaceRules.model_validate(yaml.safe_load(text))


_ISO = re.compile(r"^iso\s*(?:class\s*)?(\d+(?:\.\d+)?)$")


def clean_room_class(text: str | None) -> float | None:
    """A clean-room class as its ISO 14644-1 number (smaller is cleaner); None when unreadable.

    >>> clean_room_class("ISO 7"), clean_room_class("万级"), clean_room_class("iso5"), clean_room_class("好")
    (7.0, 7.0, 5.0, None)
    """
    value = (text or "").strip()
    named = space_rules().clean_room_classes.get(value)
    if named is not None:
        return float(named)
    match = _ISO.match(value.lower())
    return float(match.group(1)) if match else None


class SpaceNeedsError(ValueError):
    """A stated need that cannot be searched with; the message names it and what to do."""

    def __init__(self, code: str, **params: object) -> None:
        self.code, self.params = code, params
        super().__init__(translate(f"matching.needs_error.{code}", "en", **params))

    def message(self, lang: str = "zh") -> str:
        """The problem in a language."""
        return translate(f"matching.needs_error.{self.code}", lang, **self.params)


@dataclass(frozen=True)
class SpaceNeeds:
    """Needs for space; every field is optional. Area in ㎡, budget in 元/㎡/天, power in kVA."""

    area_min: float | None = None
    area_max: float | None = None
    budget: float | None = None
    use: str | None = None
    industry: str | None = None
    districts: tuple[str, ...] = ()
    parks: tuple[str, ...] = ()
    move_in: dt.date | None = None
    floor_load: float | None = None
    clean_room: str | None = None
    power_kva: float | None = None
    ceiling_height: float | None = None
    stated: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("area_min", "area_max", "budget", "floor_load", "power_kva", "ceiling_height"):
            value = getattr(self, name)
            if value is not None and not value >= 0:
                raise SpaceNeedsError("negative", field=name, value=fixed(value, 2))
        if self.area_min is not None and self.area_max is not None and self.area_min > self.area_max:
            raise SpaceNeedsError("area_range", low=fixed(self.area_min, 2), high=fixed(self.area_max, 2))
        if self.use is not None and self.use not in USES:
            raise SpaceNeedsError("use", use=self.use, allowed=", ".join(USES))
        if self.clean_room is not None and clean_room_class(self.clean_room) is None:
            raise SpaceNeedsError("clean_room", value=self.clean_room)
        stated = {"industry": self.industry, "use_fit": self.industry and not self.use,
                  "location": self.districts or self.parks, "price": self.budget is not None,
                  "area": self.area_min is not None or self.area_max is not None, "timing": True}
        object.__setattr__(self, "stated", frozenset(k for k, v in stated.items() if v))

    @property
    def clean_class(self) -> float | None:
        """The clean-room class asked for, as an ISO number."""
        return clean_room_class(self.clean_room) if self.clean_room else None
