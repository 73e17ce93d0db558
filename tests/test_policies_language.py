"""The expression language: what parses, and every kind of error with its file, line and name."""

from pathlib import Path

import pytest

from parkbrain.policies import ExpressionError, load_catalogue
from parkbrain.policies.checker import Checker
from parkbrain.policies.lexer import tokenize
from parkbrain.policies.nodes import Binary, Bool, Case, Compare, In, Num, Ref, Str
from parkbrain.policies.parser import parse

POLICY = """\
id: {id}
name: 测试政策
subject: {subject}
versions:
  - valid_from: 2023-01-01
    source: {{document: 测试文件, article: 第一条}}
    definitions:
      ratio: rd_expense / revenue
    conditions:
      - id: first
        text: 第一项
        expr: revenue >= 100
      - id: second
        text: 第二项
        expr: {expr}
    benefit: {{kind: title}}
"""


def load_one(tmp_path: Path, expr: str, *, subject: str = "enterprise", policy_id: str = "probe", text: str | None = None):
    """Load one policy file (with the shipped catalogue, so requires() may name it); its id and errors."""
    path = tmp_path / f"{policy_id}.yaml"
    path.write_text(text or POLICY.format(id=policy_id, subject=subject, expr=expr), encoding="utf-8")
    cat = load_catalogue([path])
    return cat, [e for e in cat.errors if e.file == str(path)]


# What parses.

def test_tokens_accept_full_width_and_math_operators():
    assert [t.text for t in tokenize("a ≥ 4% and b ≤ 1，（c）≠ 2")][:-1] == \
        ["a", ">=", "4%", "and", "b", "<=", "1", ",", "(", "c", ")", "!=", "2"]


def test_percent_literal_is_a_fraction_and_remembered():
    node = parse("rd_expense / revenue >= 4%")
    assert isinstance(node, Compare) and node.right == Num(value=0.04, percent=True, pos=(1, 25))


def test_precedence_and_binds_tighter_than_or_and_arithmetic_before_comparison():
    node = parse("a or b and c + 1 * 2 > 3")
    assert isinstance(node, Binary) and node.op == "or"
    right = node.right
    assert isinstance(right, Binary) and right.op == "and"
    assert isinstance(right.right, Compare) and isinstance(right.right.left, Binary) and right.right.left.op == "+"


def test_case_in_and_unknown_literal():
    text = "case when category in ('A', 'B') then 1 else unknown end"
    node = parse(text)
    assert isinstance(node, Case) and isinstance(node.whens[0][0], In)
    assert node.else_ == Bool(value=None, pos=(1, text.index("unknown") + 1))
    assert parse("x not in ('C')") == In(operand=parse("x"), options=(Str(value="C", pos=(1, 11)),), negated=True,
                                         pos=(1, 7))


def test_checker_expands_windows_and_resolves_definitions():
    checker = Checker("enterprise", definitions={"ratio": "sum(rd_expense, years=3) / sum(revenue, years=3)"})
    tree, kind = checker.check("ratio >= 4%")
    assert kind == "bool"
    refs = sorted({(r.name, r.lag, r.zero_before_founding) for r in tree.walk() if isinstance(r, Ref)})
    assert refs == [("rd_expense", k, True) for k in range(3)] + [("revenue", k, True) for k in range(3)]


def test_has_accepts_the_template_aliases():
    tree, _ = Checker("enterprise").check("has('高企')")
    assert tree.args[1].value == "高新技术企业"


# Every kind of error, with the file, the line and the name.

@pytest.mark.parametrize(("expr", "kind", "name", "suggestion"), [
    ("revenue >= ", "syntax", None, None),
    ("revenue >= 5 $ 3", "syntax", "$", None),
    ("revenue >= 'abc", "syntax", "'abc", None),
    ("(revenue >= 5", "syntax", None, None),
    ("revenue < 5 < 6", "syntax", "<", None),
    ("revenue >= 1.2.3", "syntax", "1.2.3", None),
    ("revenu >= 5", "unknown_field", "revenu", "revenue"),
    ("summ(revenue, years=3) > 1", "unknown_function", "summ", "sum"),
    ("sum(revenue) > 1", "arguments", "sum", None),
    ("sum(revenue, years=0.5) > 1", "arguments", "years", None),
    ("sum(revenue, yaers=3) > 1", "arguments", "yaers", "years"),
    ("sum(name, years=3) > 1", "unknown_field", "name", None),
    ("has('高新企业')", "unknown_title", "高新企业", "高新技术企业"),
    ("requires(high_tech_enterprse)", "unknown_policy", "high_tech_enterprse", "high_tech_enterprise"),
    ("revenue and true", "type", "and", None),
    ("industry_code > 5", "type", ">", None),
    ("case when revenue > 1 then 1 else 'x' end > 0", "type", "case", None),
])
def test_every_error_names_file_line_and_name(tmp_path, expr, kind, name, suggestion):
    cat, errors = load_one(tmp_path, expr)
    assert len(errors) == 1 and "probe" not in cat.policies
    error = errors[0]
    assert (error.kind, error.name, error.suggestion) == (kind, name, suggestion)
    assert error.file == str(tmp_path / "probe.yaml") and error.line == 15
    assert str(error).startswith(f"{tmp_path / 'probe.yaml'}:15: version 2023-01-01, condition second: ")


def test_an_error_on_the_second_line_of_a_block_points_at_that_line(tmp_path):
    _, errors = load_one(tmp_path, "|\n          revenue >= 5 and\n          summ(rd_expense, years=3) > 1")
    assert errors[0].line == 17 and errors[0].name == "summ"  # `expr: |` is line 15, the text starts on 16


def test_an_error_in_a_definition_points_at_the_definition(tmp_path):
    text = POLICY.format(id="probe", subject="enterprise", expr="ratio > 1").replace("rd_expense / revenue",
                                                                                    "rd_expense / revenu")
    _, errors = load_one(tmp_path, "", text=text)
    assert (errors[0].line, errors[0].name, errors[0].suggestion) == (8, "revenu", "revenue")
    assert "definition ratio" in str(errors[0])


def test_definitions_in_a_circle_are_refused(tmp_path):
    text = POLICY.format(id="probe", subject="enterprise", expr="a > 1").replace(
        "ratio: rd_expense / revenue", "a: b + 1\n      b: a * 2")
    _, errors = load_one(tmp_path, "", text=text)
    assert errors[0].kind == "cycle" and "a → b → a" in errors[0].message


def test_talent_policies_know_talent_fields_only(tmp_path):
    text = POLICY.format(id="probe", subject="talent", expr="category == 'A'").replace(
        "ratio: rd_expense / revenue", "age: period - birth_year").replace("revenue >= 100", "age <= 55")
    cat, errors = load_one(tmp_path, "", text=text)
    assert not errors and "probe" in cat.policies
    _, errors = load_one(tmp_path, "revenue > 1", subject="talent", policy_id="probe2")
    assert errors[0].kind == "unknown_field"


def test_yaml_and_schema_errors_have_their_line(tmp_path):
    _, errors = load_one(tmp_path, "", text="id: broken\nname: [unclosed\n")
    assert errors[0].kind == "yaml" and errors[0].line == 3
    bad = POLICY.format(id="probe", subject="enterprise", expr="revenue > 1").replace("kind: title", "kind: titel")
    _, errors = load_one(tmp_path, "", text=bad, policy_id="probe3")
    assert errors[0].kind == "schema" and errors[0].line == 16 and errors[0].name == "kind"


def test_a_bad_file_does_not_stop_the_others(tmp_path):
    (tmp_path / "good.yaml").write_text(POLICY.format(id="good", subject="enterprise", expr="revenue > 1"),
                                        encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(POLICY.format(id="bad", subject="enterprise", expr="revenu > 1"),
                                       encoding="utf-8")
    cat = load_catalogue([tmp_path])
    assert "good" in cat.policies and "bad" not in cat.policies
    assert "high_tech_enterprise" in cat.policies and [e.name for e in cat.errors] == ["revenu"]


def test_duplicate_ids_among_own_files_are_refused(tmp_path):
    for name in ("one", "two"):
        (tmp_path / f"{name}.yaml").write_text(POLICY.format(id="same", subject="enterprise", expr="revenue > 1"),
                                               encoding="utf-8")
    cat = load_catalogue([tmp_path])
    assert [e.kind for e in cat.errors] == ["duplicate"] and cat.errors[0].line == 1


def test_requires_in_a_circle_is_refused_with_the_circle_named(tmp_path):
    for me, other in (("cyc_a", "cyc_b"), ("cyc_b", "cyc_a")):
        (tmp_path / f"{me}.yaml").write_text(
            POLICY.format(id=me, subject="enterprise", expr=f"requires({other})"), encoding="utf-8")
    (tmp_path / "after.yaml").write_text(POLICY.format(id="after", subject="enterprise", expr="requires(cyc_a)"),
                                         encoding="utf-8")
    cat = load_catalogue([tmp_path])
    cycles = {e.name: e for e in cat.errors if e.kind == "cycle"}
    assert "cyc_a → cyc_b → cyc_a" in str(cycles["cyc_a"]) and "cyc_b → cyc_a → cyc_b" in str(cycles["cyc_b"])
    assert cycles["cyc_a"].line == 15  # where it calls requires(cyc_b)
    assert not {"cyc_a", "cyc_b", "after"} & set(cat.policies)
    after = next(e for e in cat.errors if e.file.endswith("after.yaml"))
    assert "requires 'cyc_a', which was refused" in str(after) and after.line == 15


def test_an_expression_error_has_line_and_column_within_the_text():
    with pytest.raises(ExpressionError) as caught:
        parse("revenue >= 5 and\n  (rd_expense > 1")
    assert (caught.value.line, caught.value.col) == (2, 18)
