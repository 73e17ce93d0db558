"""`parkbrain extract` and `parkbrain bulletins ingest`, run in-process on a test app."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from parkbrain.app import ParkBrain
from parkbrain.bulletins.facts import FIELDS
from parkbrain.cli.bulletins import bulletins_app, extract
from parkbrain.settings import Settings

DATA = Path(__file__).resolve().parent / "data" / "bulletins"
ARTICLE = "发布日期:2023-08-10\n上半年,钱塘区实现规上工业增加值352.4亿元,同比增长12%。\n打印本页 关闭窗口\n"


@pytest.fixture()
def app() -> typer.Typer:
    """The commands as the lead registers them in parkbrain.cli.main."""
    cli = typer.Typer()
    cli.command("extract")(extract)
    cli.add_typer(bulletins_app, name="bulletins")
    return cli


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"good": tmp_path / "good.txt", "gbk": tmp_path / "gbk.txt", "empty": tmp_path / "empty.txt",
             "binary": tmp_path / "photo.png", "bad": tmp_path / "bad.txt"}
    paths["good"].write_text(ARTICLE, encoding="utf-8")
    paths["gbk"].write_bytes(ARTICLE.replace("352.4", "100").encode("gbk"))
    paths["empty"].write_bytes(b"")
    paths["binary"].write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    paths["bad"].write_bytes(b"abc\x80\xff\x80 \xc3")
    return paths


def run(app, *args, env=None):
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def test_extract_jsonl(app, files):
    result = run(app, "extract", files["good"])
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    fact = json.loads(line)
    assert (fact["doc"], fact["metric"], fact["value"], fact["growth_pct"], fact["period"]) == \
        ("good.txt", "规上工业增加值", 35240000000, 12, "2023H1")


def test_extract_csv_and_table(app, files):
    result = run(app, "extract", files["good"], files["gbk"], "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == list(FIELDS) and [r[0] for r in rows[1:]] == ["good.txt", "gbk.txt"]
    table = run(app, "extract", files["good"], "--format", "table", env={"COLUMNS": "250"})
    assert table.exit_code == 0 and "规上工业增加值" in table.stdout


def test_extract_bad_files_are_named_and_others_still_read(app, files):
    result = run(app, "extract", files["empty"], files["good"], files["binary"], files["bad"], files["gbk"],
                 Path(files["good"].parent / "missing.txt"))
    assert result.exit_code == 1
    assert [json.loads(line)["doc"] for line in result.stdout.splitlines()] == ["good.txt", "gbk.txt"]
    for name in ("empty.txt", "photo.png", "bad.txt", "missing.txt"):
        assert name in result.stderr


def test_extract_explain(app, files):
    result = run(app, "extract", files["good"], "--explain")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["line"], r["kept"], r["reason"]) for r in rows] == [
        (1, False, "byline"), (2, True, "content"), (3, False, "navigation"), (4, False, "empty")]


def test_extract_date_option(app, tmp_path):
    path = tmp_path / "undated.txt"
    path.write_text("今年上半年,该区新增企业120家。", encoding="utf-8")
    fact = json.loads(run(app, "extract", path, "--date", "2021-07-01").stdout)
    assert fact["period"] == "2021H1"
    assert run(app, "extract", path, "--date", "2021/07/01").exit_code == 2
    assert run(app, "extract", path, "--format", "xml").exit_code == 2


def test_ingest_replaces_a_documents_facts(app, files, tmp_path):
    env = {"PARKBRAIN_HOME": str(tmp_path / "home")}
    first = run(app, "bulletins", "ingest", DATA, env=env)
    assert first.exit_code == 0, first.output
    again = run(app, "bulletins", "ingest", DATA, files["good"], env=env)
    assert again.exit_code == 0
    with ParkBrain(Settings(home=tmp_path / "home")) as park:
        docs = park.warehouse.to_pylist(park.warehouse.table("facts").select("doc"))
    counts = {}
    for row in docs:
        counts[row["doc"]] = counts.get(row["doc"], 0) + 1
    expected = {p.name.replace(".expected.jsonl", ".txt"): len(p.read_text(encoding="utf-8").splitlines())
                for p in DATA.glob("*.expected.jsonl")}
    assert counts == {**expected, "good.txt": 1}


def test_ingest_reports_bad_files(app, files, tmp_path):
    env = {"PARKBRAIN_HOME": str(tmp_path / "home")}
    result = run(app, "bulletins", "ingest", files["good"], files["empty"], env=env)
    assert result.exit_code == 1 and "empty.txt" in result.stderr
    assert run(app, "bulletins", "ingest", tmp_path / "nothing-here", env=env).exit_code == 1
