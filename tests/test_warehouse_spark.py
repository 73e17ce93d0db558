"""The warehouse on DuckDB and on Spark (local mode): one contract for both backends, and the same
park giving the same answers on each: the import, every policy decision and amount, chain placement
and diagnosis, and the cockpit's indicators.

Spark tests carry the `spark` mark and share one SparkSession (local[2]) started once per module.
Floating-point figures are compared to a relative 1e-9 (sums may add in another order); everything
else must be equal.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pytest

from factories import rows, write_csv
from parkbrain.app import ParkBrain
from parkbrain.settings import Settings, SettingsError, load_settings
from parkbrain.warehouse import open_warehouse
from parkbrain.warehouse.base import UpsertCounts, Warehouse
from parkbrain.warehouse.duckdb import DuckDBWarehouse
from parkbrain.warehouse.schema import TABLES

FAST_HASH = {"password_hash_time_cost": 1, "password_hash_memory_kib": 8, "password_hash_parallelism": 1}
SPARK = {"warehouse_backend": "spark", "spark_master": "local[2]", "spark_driver_memory": "2g"}
DEMO = {"enterprises": 400, "seed": 3, "years": (2022, 2023, 2024)}
REL = 1e-9


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    """One local SparkSession for the module (the JVM starts once), stopped at the end."""
    pytest.importorskip("pyspark", reason="the Spark backend needs the extra: pip install -e '.[spark]'")
    if shutil.which("java") is None:
        pytest.fail("the Spark tests need Java 17 on PATH (apt-get install openjdk-17-jre-headless)", pytrace=False)
    from parkbrain.warehouse.spark import spark_session

    # Short runs: the JVM's quick compiler only and one GC thread (about a third faster here).
    quick = {"spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"}
    session = spark_session(SPARK["spark_master"], driver_memory=SPARK["spark_driver_memory"], conf=quick)
    yield session
    session.stop()


def differences(a: object, b: object, path: str = "") -> list[str]:
    """Where two results differ (floats to a relative 1e-9), as paths; [] when they agree."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{path}: keys {sorted(set(a) ^ set(b), key=str)} on one side only"]
        return [d for k in a for d in differences(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items vs {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{path}[{i}]")]
    if isinstance(a, float) and isinstance(b, float):
        same = a == b or (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=REL, abs_tol=REL)
        return [] if same else [f"{path}: {a!r} vs {b!r}"]
    return [] if (a == b and type(a) is type(b)) else [f"{path}: {a!r} vs {b!r}"]


def test_differences_finds_what_differs():
    assert differences({"a": [1.0, "x"]}, {"a": [1.0 + 1e-12, "x"]}) == []
    assert differences({"a": [1.0, "x"]}, {"a": [1.001, "x"]}) == [".a[0]: 1.0 vs 1.001"]
    assert differences({"n": 1}, {"n": 1.0}) == [".n: 1 vs 1.0"]
    assert differences([None], [0]) == ["[0]: None vs 0"]


# ---- settings -----------------------------------------------------------------------------------

def test_spark_settings_are_validated(monkeypatch, tmp_path):
    monkeypatch.setenv("PARKBRAIN_WAREHOUSE_BACKEND", "spark")
    monkeypatch.setenv("PARKBRAIN_HOME", str(tmp_path))
    monkeypatch.setenv("PARKBRAIN_SPARK_CONF", '{"spark.executor.memory": "8g", "spark.executor.cores": 4}')
    settings = load_settings()
    assert settings.warehouse_backend == "spark" and settings.spark_master == "local[2]"
    assert settings.spark_conf == {"spark.executor.memory": "8g", "spark.executor.cores": "4"}
    assert settings.spark_root == str((tmp_path / "spark").absolute())
    assert load_settings(spark_dir="hdfs://nn:8020/parkbrain").spark_root == "hdfs://nn:8020/parkbrain"
    for variable, value in (("PARKBRAIN_WAREHOUSE_BACKEND", "hive"), ("PARKBRAIN_SPARK_CONF", "[1, 2]"),
                            ("PARKBRAIN_SPARK_DRIVER_MEMORY", "lots")):
        monkeypatch.setenv(variable, value)
        with pytest.raises(SettingsError, match=variable):
            load_settings()
        monkeypatch.delenv(variable)


def test_without_pyspark_the_backend_names_what_to_install():
    import subprocess
    import sys

    code = ("import sys; sys.modules['pyspark'] = None\n"
            "from parkbrain.warehouse.spark import spark_session\n"
            "try:\n    spark_session()\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install 'parkbrain[spark]'" in out and "Java 17" in out


# ---- the contract, on both backends -------------------------------------------------------------

def open_backend(kind: str, folder: Path, spark_session=None, **kw) -> Warehouse:
    if kind == "duckdb":
        return DuckDBWarehouse(folder / "warehouse.duckdb", **kw)
    from parkbrain.warehouse.spark import SparkWarehouse

    return SparkWarehouse(str(folder / "spark"), spark_session, **kw)


@dataclass
class Backend:
    """A backend under test: how to open (and reopen) a warehouse in one folder."""

    kind: str
    folder: Path
    session: object = None

    def open(self, **kw) -> Warehouse:
        return open_backend(self.kind, self.folder, self.session, **kw)


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    session = request.getfixturevalue("spark") if request.param == "spark" else None
    return Backend(request.param, tmp_path, session)


@pytest.fixture
def wh(backend: Backend) -> Iterator[Warehouse]:
    opened = backend.open()
    yield opened
    opened.close()


PROJECTS = TABLES["projects"].schema  # key project_id; a date, numbers and text


def project(pid: str, investment: float | None, stage: str = "洽谈", **more) -> dict:
    return {"project_id": pid, "name": f"项目{pid}", "stage": stage, "investment": investment,
            "signed_on": dt.date(2024, 3, 5) if stage != "洽谈" else None, **more}


def projects(*rows_: dict) -> pa.Table:
    return pa.Table.from_pylist([{f: r.get(f) for f in PROJECTS.names} for r in rows_], schema=PROJECTS)


def stored(w: Warehouse, name: str, key: str) -> list[dict]:
    return sorted(w.to_pylist(w.table(name)), key=lambda r: r[key])


def test_upsert_counts_new_changed_and_unchanged_rows(wh):
    assert wh.upsert("projects", projects(project("P1", 100.0), project("P2", None), project("P3", 5.5))) \
        == UpsertCounts(inserted=3, updated=0, unchanged=0)
    # The same rows again, a NULL included: nothing changes (NULLs compare equal).
    assert wh.upsert("projects", projects(project("P1", 100.0), project("P2", None), project("P3", 5.5))) \
        == UpsertCounts(inserted=0, updated=0, unchanged=3)
    # P1 changes stage, P2 stays, P4 is new.
    assert wh.upsert("projects", projects(project("P1", 100.0, "签约"), project("P2", None), project("P4", 1.0))) \
        == UpsertCounts(inserted=1, updated=1, unchanged=1)
    got = stored(wh, "projects", "project_id")
    assert [(r["project_id"], r["stage"], r["investment"], r["signed_on"]) for r in got] == [
        ("P1", "签约", 100.0, dt.date(2024, 3, 5)), ("P2", "洽谈", None, None), ("P3", "洽谈", 5.5, None),
        ("P4", "洽谈", 1.0, None)]
    assert wh.count("projects") == 4
    assert wh.upsert("projects", projects()) == UpsertCounts(0, 0, 0)


def test_append_keeps_rows_as_they_are_and_types_round_trip(wh):
    schema = TABLES["imports"].schema
    at = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    row = {"import_id": "a", "kind": "enterprises", "file_name": "企业.csv", "file_sha256": "ab" * 32, "rows": 3, "inserted": 2,
           "updated": 1, "unchanged": 0, "rejected": 0, "started_at": at, "finished_at": None}
    table = pa.Table.from_pylist([row], schema=schema)
    # A dictionary-encoded column, as the importer makes them, is stored as plain text.
    table = table.set_column(1, "kind", pa.chunked_array([pa.array(["enterprises"]).dictionary_encode()]))
    wh.append("imports", table)
    wh.append("imports", table)
    got = wh.to_arrow(wh.table("imports"))
    assert got.num_rows == 2 and wh.count("imports") == 2
    assert got.to_pylist()[0] == row
    assert got.schema.field("started_at").type.tz == "UTC" and got.schema.field("kind").type == pa.string()
    assert wh.scalar(wh.table("imports").started_at.max()) == at


def test_delete_where_removes_matching_rows_only(wh):
    wh.upsert("projects", projects(project("P1", 1.0, district="滨江区"), project("P2", 2.0, district="西湖区"),
                                   project("P3", 3.0), project("P4", 4.0, district="滨江区")))
    assert wh.delete_where("projects", "district", ["滨江区", "钱塘区", None]) == 2
    assert [r["project_id"] for r in stored(wh, "projects", "project_id")] == ["P2", "P3"]  # NULL kept
    assert wh.delete_where("projects", "district", ["滨江区"]) == 0
    assert wh.delete_where("projects", "project_id", []) == 0
    assert wh.delete_where("projects", "project_id", ["P2", "P3"]) == 2
    assert wh.count("projects") == 0
    assert wh.upsert("projects", projects(project("P9", 9.0))) == UpsertCounts(1, 0, 0)


def test_truncate_empties_a_table(wh):
    wh.upsert("projects", projects(project("P1", 1.0), project("P2", 2.0)))
    wh.truncate("projects")
    assert wh.count("projects") == 0 and wh.to_pylist(wh.table("projects")) == []


def test_a_failed_transaction_leaves_nothing_and_reads_its_own_writes(backend, wh):
    wh.upsert("projects", projects(project("P1", 1.0)))
    wh.set_meta({"demo": "true"})
    with pytest.raises(RuntimeError, match="boom"), wh.transaction():
        wh.upsert("projects", projects(project("P1", 7.0), project("P2", 2.0)))
        wh.append("imports", pa.Table.from_pylist([{"import_id": "x"}], schema=TABLES["imports"].schema))
        wh.truncate("meta")
        # Inside the transaction its writes are seen.
        assert [r["investment"] for r in stored(wh, "projects", "project_id")] == [7.0, 2.0]
        assert wh.meta() == {} and wh.count("imports") == 1
        raise RuntimeError("boom")
    assert [(r["project_id"], r["investment"]) for r in stored(wh, "projects", "project_id")] == [("P1", 1.0)]
    assert wh.meta() == {"demo": "true"} and wh.count("imports") == 0
    wh.close()
    again = backend.open()
    assert [(r["project_id"], r["investment"]) for r in stored(again, "projects", "project_id")] == [("P1", 1.0)]
    assert again.meta() == {"demo": "true"} and again.count("imports") == 0
    again.close()


def test_reopening_sees_what_was_committed(backend, wh):
    with wh.transaction():
        wh.upsert("projects", projects(project("P1", 1.0), project("P2", None)))
        wh.set_meta({"demo": "true", "demo_seed": "3"})
    wh.delete_where("projects", "project_id", ["P2"])
    wh.close()
    again = backend.open()
    assert [r["project_id"] for r in stored(again, "projects", "project_id")] == ["P1"]
    assert again.meta() == {"demo": "true", "demo_seed": "3"}
    assert again.count("enterprises") == 0 and again.to_pylist(again.table("enterprises")) == []
    again.close()


def test_meta_is_replaced_by_key(wh):
    wh.set_meta({"a": "1", "b": "2"})
    wh.set_meta({"b": "3"})
    assert wh.meta() == {"a": "1", "b": "3"}


def test_a_read_only_warehouse_refuses_writes(backend, wh):
    wh.upsert("projects", projects(project("P1", 1.0)))
    wh.close()
    reader = backend.open(read_only=True)
    with pytest.raises(Exception):  # noqa: B017 - each backend names the refusal its own way
        reader.upsert("projects", projects(project("P2", 2.0)))
    assert [r["project_id"] for r in stored(reader, "projects", "project_id")] == ["P1"]
    reader.close()


# ---- Spark's own storage: the catalog swap and the clean-up -------------------------------------

@pytest.mark.spark
def test_a_failed_catalog_swap_keeps_the_previous_state(spark, tmp_path, monkeypatch):
    from parkbrain.warehouse.spark import SparkWarehouse

    w = SparkWarehouse(str(tmp_path / "spark"), spark)
    w.upsert("projects", projects(project("P1", 1.0)))
    before = sorted(p.name for p in (tmp_path / "spark" / "projects").iterdir())

    def refuse(location: str, text: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(w.files, "publish", refuse)
    with pytest.raises(OSError, match="disk full"):
        w.upsert("projects", projects(project("P2", 2.0)))
    assert [r["project_id"] for r in stored(w, "projects", "project_id")] == ["P1"]
    # The parts the failed transaction wrote are gone.
    assert sorted(p.name for p in (tmp_path / "spark" / "projects").iterdir()) == before


@pytest.mark.spark
def test_a_failed_clean_up_after_a_commit_keeps_the_commit(spark, tmp_path, monkeypatch):
    from parkbrain.warehouse.spark import SparkWarehouse

    w = SparkWarehouse(str(tmp_path / "spark"), spark)
    w.upsert("projects", projects(project("P1", 1.0)))

    def refuse(location: str) -> None:
        raise OSError("permission denied")

    monkeypatch.setattr(w.files, "delete", refuse)
    assert w.upsert("projects", projects(project("P1", 2.0))) == UpsertCounts(0, 1, 0)
    monkeypatch.undo()
    again = SparkWarehouse(str(tmp_path / "spark"), spark)
    assert [r["investment"] for r in again.to_pylist(again.table("projects"))] == [2.0]


@pytest.mark.spark
def test_old_parts_are_deleted_and_another_process_sees_commits(spark, tmp_path):
    from parkbrain.warehouse.spark import CATALOG, SparkWarehouse

    root = tmp_path / "spark"
    writer, reader = SparkWarehouse(str(root), spark), SparkWarehouse(str(root), spark, read_only=True)
    for i in range(4):
        writer.upsert("projects", projects(project("P1", float(i))))
    # Kept: the parts of the last two catalogs (one part each here), and those two catalogs.
    assert len([p for p in (root / "projects").iterdir()]) == 2
    assert len([p for p in (root / CATALOG).iterdir() if p.suffix == ".json"]) == 2
    assert [r["investment"] for r in reader.to_pylist(reader.table("projects"))] == [3.0]
    writer.upsert("projects", projects(project("P1", 9.0)))
    assert [r["investment"] for r in reader.to_pylist(reader.table("projects"))] == [9.0]


@pytest.mark.spark
def test_appends_add_parts_until_the_table_is_rewritten_as_one(spark, tmp_path, monkeypatch):
    from parkbrain.warehouse import spark as backend

    monkeypatch.setattr(backend, "MAX_PARTS", 3)
    w = backend.SparkWarehouse(str(tmp_path / "spark"), spark)
    for i in range(4):
        w.append("projects", projects(project(f"P{i}", float(i))))
        assert len(w._committed["projects"]) == [1, 2, 3, 1][i]
    assert [r["investment"] for r in stored(w, "projects", "project_id")] == [0.0, 1.0, 2.0, 3.0]
    assert w.count("projects") == 4


@pytest.mark.spark
def test_open_warehouse_follows_the_settings(spark, tmp_path):
    from parkbrain.warehouse.spark import SparkWarehouse

    w = open_warehouse(Settings(home=tmp_path, **SPARK))
    assert isinstance(w, SparkWarehouse) and w.root == str((tmp_path / "spark").absolute())
    w.set_meta({"x": "1"})
    assert (tmp_path / "spark" / "meta").is_dir() and w.meta() == {"x": "1"}
    w.close()


# ---- the same park on both backends -------------------------------------------------------------

@dataclass
class Twins:
    """The same demo park built on DuckDB and on Spark."""

    duckdb: ParkBrain
    spark: ParkBrain

    def both(self, fn) -> tuple[object, object]:
        return fn(self.duckdb), fn(self.spark)


@pytest.fixture(scope="module")
def twins(spark, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Twins]:
    """The demo park (400 enterprises × 2022–2024, seed 3) built with `build_demo` on each backend."""
    parks = []
    for name, settings in (("duckdb", {}), ("spark", SPARK)):
        park = ParkBrain(Settings(home=tmp_path_factory.mktemp(name), lang="zh", **FAST_HASH, **settings))
        park.build_demo(**DEMO)
        parks.append(park)
    yield Twins(*parks)
    for park in parks:
        park.close()


# Written with the time of the run, or a checksum through each backend's own hash function.
VOLATILE = {"placed_at", "chains.placed_at", "chains.texts"}


def table_rows(park: ParkBrain, name: str) -> list[dict]:
    w = park.warehouse
    found = [{k: v for k, v in r.items() if k not in VOLATILE} for r in w.to_pylist(w.table(name))]
    if name == "meta":
        found = [r for r in found if r["key"] not in VOLATILE]
    return sorted(found, key=lambda r: [(v is None, str(v)) for v in r.values()])


@pytest.mark.spark
@pytest.mark.parametrize("name", [t for t in TABLES if t != "collaborations"])
def test_the_demo_build_writes_the_same_tables(twins, name):
    duck, spark = twins.both(lambda p: table_rows(p, name))
    assert differences(duck, spark) == []
    if name in ("enterprises", "enterprise_years", "chain_placements", "indicator_values", "projects"):
        assert len(duck) > 10


@pytest.mark.spark
def test_the_demo_collaborations_are_the_same(twins):
    duck, spark = twins.both(lambda p: table_rows(p, "collaborations"))
    assert differences(duck, spark) == []


@pytest.mark.spark
def test_every_policy_decision_and_amount_is_the_same(twins):
    from parkbrain.policies import evaluate_policies, load_catalogue

    catalogue = load_catalogue()

    def results(park: ParkBrain) -> list[dict]:
        found = evaluate_policies(park.warehouse, catalogue).to_pylist()
        return sorted(found, key=lambda r: (r["policy"], r["subject_id"]))

    duck, spark = twins.both(results)
    assert differences(duck, spark) == []
    statuses = {r["status"] for r in duck}
    assert statuses == {"eligible", "ineligible", "unknown"}
    assert sum(r["amount"] or 0 for r in duck if r["status"] == "eligible") > 0
    assert {r["policy"] for r in duck} == set(catalogue.in_force(dt.date(2024, 12, 31)))


@pytest.mark.spark
def test_chain_placement_and_diagnosis_are_the_same(twins):
    from parkbrain.chains import reports
    from parkbrain.chains.attraction import pipeline
    from parkbrain.chains.figures import link_enterprises

    def chains(park: ParkBrain) -> dict:
        ctx = reports.ChainContext.of(park.warehouse, park.settings.home)
        diagnosis = reports.diagnosis_report(ctx)
        chain, link = max(((c["id"], lk["id"]) for c in diagnosis["chains"] for lk in c["links"]),
                          key=lambda pair: reports.find_link_entry(diagnosis, "/".join(pair))[1]["enterprises"])
        gaps = frozenset(f["key"] for a in ("fill_link", "extend_chain") for f in diagnosis["findings"][a])
        return {"diagnosis": diagnosis, "tiers": reports.tier_report(ctx),
                "link": link_enterprises(park.warehouse, chain=chain, link=link, district=diagnosis["district"],
                                         year=diagnosis["year"]),
                "pipeline": pipeline(park.warehouse, ctx.catalogue, ctx.targets, year=diagnosis["year"],
                                     district=diagnosis["district"], gap_keys=gaps)}

    duck, spark = twins.both(chains)
    assert differences(duck, spark) == []
    assert duck["link"]["total"] > 0 and any(duck["diagnosis"]["findings"].values())


@pytest.mark.spark
def test_cockpit_indicators_are_the_same(twins):
    from parkbrain.cockpit.board import build_board
    from parkbrain.cockpit.state import cockpit_state

    def cockpit(park: ParkBrain) -> dict:
        state = cockpit_state(park.warehouse)
        latest = max(state.years)
        return {"panel": {repr(k): v for k, v in sorted(state.panel.items())},
                "flagged": sorted(state.flagged(latest).to_pylist(), key=lambda r: r["uscc"]),
                "board": build_board(state, lang="zh")}

    duck, spark = twins.both(cockpit)
    assert differences(duck, spark) == []
    assert duck["board"]["tiles"] and duck["flagged"]


@pytest.mark.spark
def test_a_duckdb_copy_of_the_spark_warehouse_holds_the_same_tables(twins, tmp_path):
    from parkbrain.warehouse.spark import copy_to_duckdb

    counts = copy_to_duckdb(twins.spark.warehouse.root, tmp_path / "copy.duckdb")
    assert counts == {name: twins.spark.warehouse.count(name) for name in TABLES}
    (tmp_path / "copy.duckdb").replace(tmp_path / "warehouse.duckdb")  # the file a DuckDB home reads
    with ParkBrain(Settings(home=tmp_path, **FAST_HASH)) as copy:
        for name in TABLES:
            assert differences(table_rows(copy, name), table_rows(twins.spark, name)) == [], name
    with pytest.raises(ValueError, match="not a local folder"):
        copy_to_duckdb("hdfs://nn:8020/parkbrain/spark", tmp_path / "x.duckdb")


@pytest.mark.spark
def test_the_cli_copies_the_spark_warehouse_over_the_homes_duckdb_file(twins, tmp_path):
    from typer.testing import CliRunner

    from parkbrain.cli import app as cli

    home = tmp_path / "web"
    result = CliRunner().invoke(cli, ["--home", str(home), "copy-to-duckdb", "--from", str(twins.spark.warehouse.root)])
    assert result.exit_code == 0, result.output
    assert [p.name for p in home.iterdir()] == ["warehouse.duckdb"]  # no staging file left behind
    with ParkBrain(Settings(home=home, **FAST_HASH)) as copy:
        assert {n: copy.warehouse.count(n) for n in TABLES} == {n: twins.spark.warehouse.count(n) for n in TABLES}
    refused = CliRunner().invoke(cli, ["--home", str(home), "copy-to-duckdb", "--from", "hdfs://nn:8020/x"])
    assert refused.exit_code == 1 and "not a local folder" in refused.output


# ---- importing the enterprise template on both backends -----------------------------------------

@pytest.mark.spark
def test_importing_the_template_counts_and_stores_the_same(spark, tmp_path):
    """5 enterprises × 2 years; again unchanged; then one revenue changed and two new rows."""
    first, again = write_csv(tmp_path / "a.csv", rows(10)), write_csv(tmp_path / "b.csv", rows(10))
    changed = rows(12)
    changed[0][7] = "5000"
    changed = write_csv(tmp_path / "c.csv", changed)
    found = {}
    for name, settings in (("duckdb", {}), ("spark", SPARK)):
        with ParkBrain(Settings(home=tmp_path / name, **FAST_HASH, **settings)) as park:
            counts = [park.import_file(p).counts for p in (first, again, changed)]
            assert counts == [UpsertCounts(10, 0, 0), UpsertCounts(0, 0, 10), UpsertCounts(2, 1, 9)], name
            imports = park.warehouse.to_pylist(park.warehouse.table("imports"))
            assert sorted((r["rows"], r["inserted"], r["updated"], r["unchanged"]) for r in imports) == \
                [(10, 0, 0, 10), (10, 10, 0, 0), (12, 2, 1, 9)]
            found[name] = {t: table_rows(park, t) for t in ("enterprises", "enterprise_years")}
    assert differences(found["duckdb"], found["spark"]) == []
    assert [r["revenue"] for r in found["spark"]["enterprise_years"] if r["uscc"] == rows(1)[0][0]] == [5000.0, 1001.0]


@pytest.mark.spark
def test_the_cli_imports_into_the_spark_warehouse(spark, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from parkbrain.cli import app as cli

    monkeypatch.setenv("PARKBRAIN_WAREHOUSE_BACKEND", "spark")
    path = write_csv(tmp_path / "ten.csv", rows(10))
    result = CliRunner().invoke(cli, ["--home", str(tmp_path / "home"), "--lang", "en", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "home" / "spark" / "enterprise_years").is_dir()
    assert not (tmp_path / "home" / "warehouse.duckdb").exists()
    status = CliRunner().invoke(cli, ["--home", str(tmp_path / "home"), "--lang", "en", "status"]).output
    assert [line.split("│")[2].strip() for line in status.splitlines() if "enterprise" in line] == ["5", "10"]


@pytest.mark.spark
def test_importing_the_exported_demo_register_is_the_same(twins, tmp_path):
    from parkbrain.importing.export import export_template

    path = tmp_path / "企业.csv"
    written = export_template(twins.duckdb.warehouse, "enterprises", path)
    found = {}
    for name, settings in (("duckdb", {}), ("spark", SPARK)):
        with ParkBrain(Settings(home=tmp_path / name, **FAST_HASH, **settings)) as park:
            report = park.import_file(path, today=dt.date(2026, 11, 21))
            assert report.counts == UpsertCounts(written, 0, 0) and not report.errors
            found[name] = {t: table_rows(park, t) for t in ("enterprises", "enterprise_years")}
    assert differences(found["duckdb"], found["spark"]) == []
    assert len(found["spark"]["enterprise_years"]) == written

