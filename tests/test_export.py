"""Export writes the templates' layout; importing the export into a new home gives the same data."""

import csv

import pytest

from factories import SPACE_HEADER, rows, write_csv
from parkbrain.app import ParkBrain
from parkbrain.importing.export import export_template
from parkbrain.settings import Settings

TABLES = ("enterprises", "enterprise_years", "spaces")


def contents(park: ParkBrain) -> dict:
    w = park.warehouse
    return {t: sorted(map(str, w.to_pylist(w.table(t)))) for t in TABLES}


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_then_import_round_trips(tmp_path, suffix):
    body = rows(8)
    body[2][9] = ""          # a missing value stays missing
    body[3][7] = "1234.56"   # a fraction stays exact
    spaces = [["S-1", "P-1", "A座", "3", "500", "3.5", "湿实验室", "2026-12-01", "可租"],
              ["S-2", "P-1", "", "", "80.5", "", "孵化工位", "", "已租"]]
    with ParkBrain(Settings(home=tmp_path / "a")) as source:
        source.import_file(write_csv(tmp_path / "e.csv", body))
        source.import_file(write_csv(tmp_path / "s.csv", spaces, SPACE_HEADER))
        expected = contents(source)
        for kind in ("enterprises", "spaces"):
            assert export_template(source.warehouse, kind, tmp_path / "out" / f"{kind}.{suffix}") > 0
    with ParkBrain(Settings(home=tmp_path / "b")) as target:
        for kind in ("enterprises", "spaces"):
            report = target.import_file(tmp_path / "out" / f"{kind}.{suffix}")
            assert report.kind == kind and not report.errors
        got = contents(target)
    # as_of_year is derived on import, so it survives the trip too
    assert got == expected


def test_csv_export_is_chinese_template_with_labels(tmp_path):
    with ParkBrain(Settings(home=tmp_path / "a")) as park:
        park.import_file(write_csv(tmp_path / "e.csv", rows(2)))
        export_template(park.warehouse, "enterprises", tmp_path / "e_out.csv")
    with (tmp_path / "e_out.csv").open(encoding="utf-8-sig", newline="") as fh:
        header, first, _ = list(csv.reader(fh))
    assert header[:6] == ["统一社会信用代码", "企业名称", "成立日期", "所属区县", "所属园区", "行业代码"]
    record = dict(zip(header, first, strict=True))
    assert (record["营业收入"], record["重大安全质量事故"], record["资质"], record["年度"]) == ("1000", "否", "", "2022")


def test_demo_park_passes_import_validation_and_round_trips(tmp_path):
    """Everything the demo builds is valid template data: export it all, import it all, compare."""
    tables = ("enterprises", "enterprise_years", "parks", "spaces", "talents", "experts", "tech_needs", "projects")
    with ParkBrain(Settings(home=tmp_path / "demo")) as demo:
        assert demo.build_demo(enterprises=500, seed=3)
        assert demo.is_demo
        assert not demo.build_demo(enterprises=500, seed=3)  # unchanged: not rebuilt
        w = demo.warehouse
        expected = {t: sorted(map(str, w.to_pylist(w.table(t)))) for t in tables}
        for kind in ("enterprises", "parks", "spaces", "talents", "experts", "tech_needs", "projects"):
            export_template(w, kind, tmp_path / "out" / f"{kind}.csv")
    with ParkBrain(Settings(home=tmp_path / "copy")) as copy:
        for path in sorted((tmp_path / "out").iterdir()):
            assert not copy.import_file(path).errors
        w = copy.warehouse
        assert {t: sorted(map(str, w.to_pylist(w.table(t)))) for t in tables} == expected
        assert not copy.is_demo


def test_demo_refuses_a_home_with_imported_data(tmp_path):
    with ParkBrain(Settings(home=tmp_path / "h")) as park:
        park.import_file(write_csv(tmp_path / "e.csv", rows(2)))
        with pytest.raises(ValueError, match="imported data"):
            park.build_demo(enterprises=200, seed=1)
