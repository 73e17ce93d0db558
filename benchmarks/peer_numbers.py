"""Run ParkBrain's number parser on Recognizers-Text's Chinese NumberModel and PercentModel cases.

The cases are Microsoft Recognizers-Text's own test specs (MIT), copied to
``../shared/peer-suites/recognizers-text-zh/``. A case passes, as in that project's Python
runner (Python/tests/test_runner_number.py), when we find as many results as expected and
each has the expected text and value. Texts are compared as that runner sees them: the
input with full-width characters folded and letters lower-cased; values are compared as
numbers (the specs write C#'s formatting: ``5E-06``, ``350.333333333333``).

How the suite's two models map onto ParkBrain's functions:

- NumberModel: `find_numbers`, minus the numbers that a percent sign or 折 makes a
  percentage and the numbers in a foreign-currency amount (those belong to the suite's
  PercentModel and CurrencyModel; ``百分之五`` and ``六个百分点`` still give their number,
  as the suite expects);
- PercentModel: `find_percents`.

    .venv/bin/python benchmarks/peer_numbers.py [--suite DIR] [--failures]
"""

from __future__ import annotations

import argparse
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from parkbrain.bulletins.normalise import to_halfwidth
from parkbrain.bulletins.numbers import find_numbers
from parkbrain.bulletins.percents import find_percents

SUITE = Path(__file__).resolve().parents[2] / "shared" / "peer-suites" / "recognizers-text-zh"
MODELS = {"NumberModel": "Number_Chinese_NumberModel.json", "PercentModel": "Number_Chinese_PercentModel.json"}
_FOREIGN_MONEY = re.compile(r"[ \t]*(?:美元|美刀|欧元|歐元|英镑|英鎊|日元|港元|港币|港幣)")

# Cases we judge out of scope, with the reason: the suite marks them NotSupported for its own
# Python implementation. They are still run and counted in the rates above (all of them pass
# at the time of writing); the report lists them with their result, and the rate without them.
OUT_OF_SCOPE = {
    ("NumberModel", "陽光九九是食物品牌"):
        "a brand name made of numerals (陽光九九): no number by the suite; NotSupported for python, java, js",
    ("NumberModel", "一塊蛋糕"): "a numeral as an article (一塊); NotSupported for python, java, js",
    ("NumberModel", "美味十足"): "十足 (fully) is a word, not ten; NotSupported for python, java, js",
    ("NumberModel", "这是我的队伍"): "伍 in 队伍 is a word, not five; NotSupported for python, java, js",
    ("NumberModel", "四千五百六十九万八千三百一十一亿四千八百七十二万五千三百八十二"):
        "a 16-digit number beyond a double's exact range in the suite's C# runner (IgnoreResolution); "
        "NotSupported for python, java, js",
}


@dataclass
class ModelReport:
    """Pass counts of one model, the failing cases, and how the out-of-scope cases fared."""

    model: str
    cases: int = 0
    passed: int = 0
    failures: list[dict] = field(default_factory=list)
    out_of_scope: dict[str, bool] = field(default_factory=dict)  # input → passed

    @property
    def rate(self) -> float:
        return self.passed / self.cases if self.cases else 0.0


def number_model(text: str) -> list[tuple[str, float]]:
    """The suite's NumberModel over ParkBrain: (text, value) of each plain number."""
    text = to_halfwidth(text)
    percents = [p for p in find_percents(text) if p.form in ("%", "折")]
    found = []
    for n in find_numbers(text):
        if any(p.start <= n.start < p.end for p in percents) or _FOREIGN_MONEY.match(text, n.end):
            continue
        found.append((n.text, float(n.value)))
    return found


def percent_model(text: str) -> list[tuple[str, float]]:
    """The suite's PercentModel over ParkBrain: (text, value in percent) of each percent."""
    return [(p.text, float(p.value)) for p in find_percents(to_halfwidth(text))]


RUNNERS = {"NumberModel": number_model, "PercentModel": percent_model}


def _expected(case: dict) -> list[tuple[str, float]]:
    return [(r["Text"], float(r["Resolution"]["value"].rstrip("%"))) for r in case["Results"]]


def _agrees(ours: list[tuple[str, float]], expected: list[tuple[str, float]], *, values: bool) -> bool:
    if len(ours) != len(expected):
        return False
    for (text, value), (want_text, want_value) in zip(ours, expected, strict=True):
        if text.strip().casefold() != want_text.casefold():
            return False
        if values and not math.isclose(value, want_value, rel_tol=1e-9, abs_tol=1e-12):
            return False
    return True


def run_model(model: str, suite: Path = SUITE) -> ModelReport:
    """Run one model's cases and count the passes."""
    cases = json.loads((suite / MODELS[model]).read_text(encoding="utf-8-sig"))
    report = ModelReport(model)
    for case in cases:
        expected, ours = _expected(case), RUNNERS[model](case["Input"])
        report.cases += 1
        passed = _agrees(ours, expected, values=not case.get("IgnoreResolution"))
        if (model, case["Input"]) in OUT_OF_SCOPE:
            report.out_of_scope[case["Input"]] = passed
        if passed:
            report.passed += 1
        else:
            report.failures.append({"input": case["Input"], "expected": expected, "ours": ours,
                                    "out_of_scope": OUT_OF_SCOPE.get((model, case["Input"]))})
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", type=Path, default=SUITE)
    parser.add_argument("--failures", action="store_true", help="list every failing case")
    args = parser.parse_args()
    reports = [run_model(m, args.suite) for m in MODELS]
    for r in reports:
        print(f"{r.model:13} {r.passed:4}/{r.cases:<4} {r.rate:7.2%}")
    cases, passed = sum(r.cases for r in reports), sum(r.passed for r in reports)
    print(f"{'together':13} {passed:4}/{cases:<4} {passed / cases:7.2%}")
    scoped = [(r.cases - len(r.out_of_scope), r.passed - sum(r.out_of_scope.values())) for r in reports]
    in_cases, in_passed = sum(c for c, _ in scoped), sum(p for _, p in scoped)
    print(f"{'in scope':13} {in_passed:4}/{in_cases:<4} {in_passed / in_cases:7.2%}")
    print("Out of scope (counted above):")
    for (model, text), reason in OUT_OF_SCOPE.items():
        result = next(r.out_of_scope.get(text) for r in reports if r.model == model)
        print(f"- {model} {text!r}: {'passes' if result else 'fails'}; {reason}")
    for r in reports:
        for f in r.failures if args.failures else ():
            print(f"- failing {r.model} {f['input']!r}: expected {f['expected']}, got {f['ours']}")


if __name__ == "__main__":
    main()
