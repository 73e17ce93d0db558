"""Import of the enterprise template and the other templates: errors, atomicity, idempotency."""

import csv
import datetime as dt

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from factories import HEADER, SPACE_HEADER, rows, uscc, write_csv
from parkbrain.app import ParkBrain
from parkbrain.cli import app as cli
from parkbrain.importing.errors import ImportFileError
from parkbrain.importing.service import ImportRefused
from parkbrain.settings import Settings


@pytest.fixture
def park(tmp_path):
    with ParkBrain(Settings(home=tmp_path / "home")) as p:
        yield p


def snapshot(park: ParkBrain) -> dict:
    w = park.warehouse
    return {t: sorted(map(str, w.to_pylist(w.table(t)))) for t in ("enterprises", "enterprise_years", "imports")}


def test_bad_uscc_in_row_7_is_refused_naming_row_and_column(park, tmp_path):
    write_csv(tmp_path / "good.csv", rows(4))
    park.import_file(tmp_path / "good.csv")
    before = snapshot(park)
    body = rows(10)
    body[5][0] = body[5][0][:17] + ("0" if body[5][0][17] != "0" else "1")  # data row 6 = sheet row 7
    with pytest.raises(ImportRefused) as caught:
        park.import_file(write_csv(tmp_path / "bad.csv", body))
    errors = caught.value.report.errors
    assert [(e.row, e.column, e.code) for e in errors] == [(7, "统一社会信用代码", "uscc_check_digit")]
    assert errors[0].params["expected"] == rows(10)[5][0][17]
    assert "第7行" in errors[0].message("zh") and "统一社会信用代码" in errors[0].message("zh")
    assert "row 7" in errors[0].message("en")
    assert snapshot(park) == before


def test_cli_refuses_with_row_and_column_and_exit_code(tmp_path):
    body = rows(10)
    body[5][0] = body[5][0][:16] + "IO"
    path = write_csv(tmp_path / "bad.csv", body)
    result = CliRunner().invoke(cli, ["--home", str(tmp_path / "h"), "--lang", "zh", "import", str(path)])
    assert result.exit_code == 1
    assert "第7行" in result.output and "统一社会信用代码" in result.output and "未导入任何数据" in result.output
    ok = CliRunner().invoke(cli, ["--home", str(tmp_path / "h"), "--lang", "en", "status"])
    assert "enterprises " in ok.output.replace("│", " ") and " 0 " in ok.output.replace("│", " ")


def test_every_rule_is_reported_with_its_row_and_column(park, tmp_path):
    body = rows(10)
    body[0][2] = "2099-01-01"      # row 2: founded in the future
    body[1][7] = "一千"            # row 3: text in a number
    body[2][9] = "500"             # row 4: domestic R&D above R&D (102)
    body[3][11] = "60"             # row 5: R&D staff above staff (50)
    body[4][5] = "C6513"           # row 6: division 65 is in section I
    body[6][6] = "2031"            # row 8: year out of range
    body[7][12] = "优秀企业"        # row 9: unknown certification
    body[8][13] = "也许"            # row 10: not 是/否
    body[9][3] = ""                # row 11: required district empty
    with pytest.raises(ImportRefused) as caught:
        park.import_file(write_csv(tmp_path / "bad.csv", body), today=dt.date(2026, 11, 21))
    got = [(e.row, e.column, e.code) for e in caught.value.report.errors]
    assert got == [
        (2, "成立日期", "date_future"), (3, "营业收入", "number_format"),
        (4, "境内研发费用", "exceeds_field"), (5, "科技人员数", "exceeds_field"),
        (6, "行业代码", "industry_code_section"), (8, "年度", "year_range"),
        (9, "资质", "certification_unknown"), (10, "重大安全质量事故", "yesno"), (11, "所属区县", "required"),
    ]
    assert park.warehouse.count("enterprise_years") == 0


def test_reimport_changes_nothing_and_a_changed_row_updates(park, tmp_path):
    path = write_csv(tmp_path / "e.csv", rows(10))
    first = park.import_file(path)
    assert (first.counts.inserted, first.counts.updated, first.counts.unchanged) == (10, 0, 0)
    before = snapshot(park)
    again = park.import_file(path)
    assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, 10)
    after = snapshot(park)
    assert after["enterprises"] == before["enterprises"] and after["enterprise_years"] == before["enterprise_years"]
    body = rows(10)
    body[3][7] = "9999"
    changed = park.import_file(write_csv(tmp_path / "e2.csv", body))
    assert (changed.counts.inserted, changed.counts.updated, changed.counts.unchanged) == (0, 1, 9)
    w = park.warehouse
    t = w.table("enterprise_years")
    assert w.scalar(t.filter((t.uscc == uscc(1)) & (t.year == 2023)).revenue.max()) == 9999
    assert w.count("enterprise_years") == 10
    imports = w.to_pylist(w.table("imports").order_by("started_at"))
    assert [i["inserted"] for i in imports] == [10, 0, 0] and len({i["file_sha256"] for i in imports}) == 2


def test_values_are_typed_and_missing_is_not_zero(park, tmp_path):
    body = rows(2)
    body[0][8] = ""  # R&D missing
    park.import_file(write_csv(tmp_path / "e.csv", body))
    w = park.warehouse
    got = {r["year"]: r for r in w.to_pylist(w.table("enterprise_years"))}
    assert got[2022]["rd_expense"] is None and got[2022]["revenue"] == 1000.0
    assert got[2023]["rd_expense"] == 101.0 and got[2023]["employees"] == 50
    assert got[2022]["major_incident"] is False
    firm = w.to_pylist(w.table("enterprises"))[0]
    assert firm["founded_on"] == dt.date(2015, 6, 1) and firm["as_of_year"] == 2023


def test_gbk_and_bom_files_read_like_utf8(tmp_path):
    results = []
    for i, encoding in enumerate(["utf-8", "utf-8-sig", "gbk", "gb18030"]):
        with ParkBrain(Settings(home=tmp_path / f"h{i}")) as p:
            p.import_file(write_csv(tmp_path / f"e{i}.csv", rows(6), encoding=encoding))
            results.append(snapshot(p)["enterprises"])
    assert all(r == results[0] for r in results) and "杭州测试0号科技有限公司" in results[0][0]


def test_xlsx_with_typed_cells(park, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows(4):
        r = list(r)
        r[2] = dt.datetime(2015, 6, 1)   # Excel date cell
        r[6], r[7] = int(r[6]), float(r[7])
        ws.append(r)
    ws.append([])                        # a blank row keeps the numbering
    bad = rows(6)[5]
    bad[0] = "123"
    ws.append(bad)                       # sheet row 7
    path = tmp_path / "e.xlsx"
    wb.save(path)
    with pytest.raises(ImportRefused) as caught:
        park.import_file(path)
    assert [(e.row, e.column, e.code) for e in caught.value.report.errors] == [(7, "统一社会信用代码", "uscc_length")]
    report = park.import_file(path, skip_bad_rows=True)
    assert report.counts.inserted == 4
    w = park.warehouse
    assert w.scalar(w.table("enterprises").founded_on.max()) == dt.date(2015, 6, 1)


def test_skip_bad_rows_writes_rejects_beside_input(park, tmp_path):
    body = rows(6)
    body[1][0] = "X" * 18
    body[4][10] = "-3"
    path = write_csv(tmp_path / "e.csv", body)
    report = park.import_file(path, skip_bad_rows=True)
    assert report.counts.inserted == 4 and park.warehouse.count("enterprise_years") == 4
    with (tmp_path / "e.rejects.csv").open(encoding="utf-8-sig") as fh:
        rejects = list(csv.reader(fh))
    assert [r[0] for r in rejects[1:]] == ["3", "6"]
    assert rejects[1][2] == "X" * 18 and "校验位" in rejects[1][1]


def test_duplicate_key_rows_are_both_refused(park, tmp_path):
    body = rows(4)
    body.append(list(body[1]))
    with pytest.raises(ImportRefused) as caught:
        park.import_file(write_csv(tmp_path / "e.csv", body))
    assert sorted((e.row, e.params["first_row"]) for e in caught.value.report.errors) == [(3, 6), (6, 3)]


def test_english_headers_and_unknown_columns(park, tmp_path):
    header = ["uscc", "name", "founded_on", "district", "year", "revenue", "备注"]
    path = write_csv(tmp_path / "e.csv", [[uscc(1), "甲", "2010-01-01", "滨江区", "2023", "5", "x"]], header)
    report = park.import_file(path)
    assert report.counts.inserted == 1 and report.unknown_columns == ["备注"]


def test_file_level_problems(park, tmp_path):
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "bin.csv").write_bytes(b"\x00\x01\x02PNG")
    (tmp_path / "odd.csv").write_text("甲,乙\n1,2\n", encoding="utf-8")
    write_csv(tmp_path / "nodistrict.csv", [["x"]], ["统一社会信用代码", "企业名称", "成立日期", "年度"])
    codes = {}
    for name in ["empty.csv", "bin.csv", "odd.csv", "missing.csv"]:
        with pytest.raises(ImportFileError) as caught:
            park.import_file(tmp_path / name)
        codes[name] = caught.value.code
    with pytest.raises(ImportFileError) as caught:
        park.import_file(tmp_path / "nodistrict.csv", kind="enterprises")
    assert caught.value.params == {"column": "所属区县"}
    assert codes == {"empty.csv": "empty_file", "bin.csv": "binary_file", "odd.csv": "unknown_template",
                     "missing.csv": "not_found"}


def test_row_with_wrong_cell_count_is_named(park, tmp_path):
    path = tmp_path / "e.csv"
    write_csv(path, rows(3))
    with path.open("a", encoding="utf-8") as fh:
        fh.write(uscc(9) + ",多一列\n")
    with pytest.raises(ImportRefused) as caught:
        park.import_file(path)
    assert [(e.row, e.code) for e in caught.value.report.errors] == [(5, "column_count")]


def test_an_older_file_does_not_roll_back_a_renamed_firm(park, tmp_path):
    body = rows(2)
    body[1][1] = "杭州新名字科技有限公司"  # the 2023 row carries the new name
    park.import_file(write_csv(tmp_path / "both.csv", body))
    park.import_file(write_csv(tmp_path / "old.csv", [rows(2)[0]]))  # 2022 only, old name
    w = park.warehouse
    assert w.to_pylist(w.table("enterprises"))[0]["name"] == "杭州新名字科技有限公司"


def test_failure_while_writing_leaves_nothing(park, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "e.csv", rows(6))
    real = park.warehouse.upsert
    calls = []

    def failing(name, data):
        calls.append(name)
        if name == "enterprises":
            raise OSError("disk full")
        return real(name, data)

    monkeypatch.setattr(park.warehouse, "upsert", failing)
    with pytest.raises(OSError):
        park.import_file(path)
    monkeypatch.undo()
    assert calls == ["enterprise_years", "enterprises"]
    assert park.warehouse.count("enterprise_years") == 0 and park.warehouse.count("imports") == 0



def test_other_templates_are_detected_and_validated(park, tmp_path):
    good = [["S-1", "P-1", "A座", "3", "500", "3.5", "湿实验室", "2026-12-01", "可租"]]
    report = park.import_file(write_csv(tmp_path / "s.csv", good, SPACE_HEADER))
    assert report.kind == "spaces"
    w = park.warehouse
    assert w.to_pylist(w.table("spaces"))[0]["use"] == "wet_lab"
    bad = [["S-2", "P-1", "A座", "三", "0", "3.5", "仓库", "2026/13/01", "可租"]]
    with pytest.raises(ImportRefused) as caught:
        park.import_file(write_csv(tmp_path / "s2.csv", bad, SPACE_HEADER))
    assert [(e.column, e.code) for e in caught.value.report.errors] == [
        ("楼层", "integer_format"), ("面积", "below_min"), ("用途", "enum"), ("可入驻日期", "date_format")]


def test_large_file_errors_keep_their_rows(park, tmp_path):
    """Above 10,000 rows, few-valued columns are parsed per distinct value: rows must not shift."""
    body = rows(12_000)
    body[8998][2] = "2015-13-01"           # sheet row 9000
    body[10998][12] = "高新技术企业@2021-02-30"  # sheet row 11000
    body[11998][13] = "未知"                # sheet row 12000
    with pytest.raises(ImportRefused) as caught:
        park.import_file(write_csv(tmp_path / "big.csv", body))
    assert [(e.row, e.column, e.code) for e in caught.value.report.errors] == [
        (9000, "成立日期", "date_format"), (11000, "资质", "certification_date"),
        (12000, "重大安全质量事故", "yesno")]


def test_spaces_around_cells_are_trimmed_and_blank_is_empty(park, tmp_path):
    body = rows(4)
    body[1][1] = "  杭州甲科技有限公司 "   # a text read dictionary-encoded (the 2023 row)
    body[0][7] = " 1000 "
    body[2][3] = "   "                    # required district, blank
    with pytest.raises(ImportRefused) as caught:
        park.import_file(write_csv(tmp_path / "e.csv", body))
    assert [(e.row, e.column, e.code) for e in caught.value.report.errors] == [(4, "所属区县", "required")]
    park.import_file(tmp_path / "e.csv", skip_bad_rows=True)
    w = park.warehouse
    t = w.table("enterprises")
    assert w.scalar(t.filter(t.uscc == uscc(0)).name.max()) == "杭州甲科技有限公司"
