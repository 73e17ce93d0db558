"""The demo-park generator: deterministic, shaped like the templates, within their rules, calibrated."""

import datetime as dt
import re
from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from parkbrain.demo import NOTE, generate_park
from parkbrain.demo.needs import need_count
from parkbrain.demo.people import expert_count
from parkbrain.demo.vocab import load_vocabulary
from parkbrain.importing.templates import load_templates
from parkbrain.uscc import check_character, uscc_problems

TODAY = dt.date(2026, 11, 21)
YEARS = (2021, 2022, 2023, 2024, 2025)
TITLES = ["科技型中小企业", "高新技术企业", "专精特新中小企业", "专精特新小巨人", "瞪羚企业", "独角兽企业", "上市企业"]
# GB/T 4754-2017 门类 → range of 大类 (two-digit divisions).
SECTIONS = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52),
    "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72),
    "M": (73, 75), "N": (76, 79), "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90),
    "S": (91, 96), "T": (97, 97),
}


@pytest.fixture(scope="module")
def park():
    return generate_park(enterprises=2000, seed=7, years=YEARS)


@pytest.fixture(scope="module")
def ent(park):
    return park.tables["enterprises"]


def col(table, name):
    return table.column(name).to_pylist()


def last_year_rows(ent):
    return ent.filter(pc.equal(ent["year"], max(YEARS)))


def title_count(table, title):
    return sum(1 for c in col(table, "certifications") if c and f"{title}@" in c)


def test_same_arguments_give_identical_tables(park):
    again = generate_park(enterprises=2000, seed=7, years=YEARS)
    assert park.tables.keys() == again.tables.keys()
    for name, table in park.tables.items():
        assert table.equals(again.tables[name]), name
    for name, table in park.hidden.items():
        assert table.equals(again.hidden[name]), name
    assert park.meta == again.meta


def test_another_seed_gives_another_park(park):
    other = generate_park(enterprises=2000, seed=8, years=YEARS)
    for name in ("enterprises", "spaces", "talents", "experts", "tech_needs", "projects"):
        assert not park.tables[name].equals(other.tables[name]), name
    shared = set(col(park.tables["enterprises"], "uscc")) & set(col(other.tables["enterprises"], "uscc"))
    assert len(shared) < 20


def test_every_table_has_exactly_its_template_schema(park):
    templates = load_templates()
    assert set(park.tables) == set(templates)
    for tid, table in park.tables.items():
        schema = templates[tid].arrow_schema
        assert table.schema.equals(schema), tid
        assert table.num_rows > 0, tid
        for c in templates[tid].columns:
            if c.required:
                assert table[c.field].null_count == 0, (tid, c.field)


def test_enum_columns_hold_template_codes(park):
    for tid, template in load_templates().items():
        for c in template.columns:
            if c.type == "enum":
                values = set(col(park.tables[tid], c.field)) - {None}
                assert values and values <= set(c.choices), (tid, c.field, values - set(c.choices))
    uses = Counter(col(park.tables["spaces"], "use"))
    assert {"office", "wet_lab", "plant", "incubator_seat"} <= set(uses)
    assert Counter(col(park.tables["spaces"], "status")).most_common(1)[0][0] == "available"


def test_template_rules_hold_everywhere(park):
    """min / max / max_field / not_future / year rules of every template column."""
    for tid, template in load_templates().items():
        table = park.tables[tid]
        for c in template.columns:
            values = table[c.field]
            if c.min is not None:
                assert pc.min(values).as_py() >= c.min, (tid, c.field)
            if c.max is not None:
                assert pc.max(values).as_py() <= c.max, (tid, c.field)
            if c.max_field:
                over = pc.greater(values, table[c.max_field])
                assert not pc.any(over).as_py(), (tid, c.field, c.max_field)
                assert pc.sum(pc.and_(values.is_valid(), table[c.max_field].is_null())).as_py() == 0
            if c.type == "year":
                assert pc.max(values).as_py() <= TODAY.year, (tid, c.field)
            if c.type == "date":
                assert pc.max(values).as_py() <= TODAY, (tid, c.field)


def test_enterprise_figures_are_consistent(ent):
    def arr(name):
        return ent[name].to_numpy(zero_copy_only=False).astype(float)

    for low, high in (("rd_expense_domestic", "rd_expense"), ("high_tech_revenue", "revenue"),
                      ("rd_staff", "employees"), ("invention_patents_granted", "invention_patents_held")):
        a, b = arr(low), arr(high)
        both = ~np.isnan(a) & ~np.isnan(b)
        assert (a[both] <= b[both]).all(), (low, high)
    profit = arr("profit")
    assert (profit[~np.isnan(profit)] < 0).any()  # losses happen
    founded_year = np.array([d.year for d in col(ent, "founded_on")])
    assert (founded_year <= np.array(col(ent, "year"))).all()
    assert min(col(ent, "founded_on")) >= dt.date(1995, 1, 1)
    assert max(col(ent, "founded_on")) <= dt.date(max(YEARS), 12, 31)
    # A few blanks in optional figures, at a small rate.
    for name in ("revenue", "rd_expense", "exports", "industry_code", "park"):
        rate = ent[name].null_count / ent.num_rows
        assert 0 < rate < 0.08, name
    incidents = ent["major_incident"].drop_null().to_numpy(zero_copy_only=False)
    assert 0 < incidents.sum() < 0.02 * len(incidents)


def test_usccs_are_valid_unique_and_regional(ent):
    codes = ent["uscc"]
    assert pc.all(pc.is_null(uscc_problems(codes))).as_py()
    for code in col(ent, "uscc")[:200]:
        assert check_character(code[:17]) == code[17]
    keys = list(zip(col(ent, "uscc"), col(ent, "year"), strict=True))
    assert len(set(keys)) == len(keys)
    prefix = {"滨江区": "91330108", "钱塘区": "91330114", "西湖区": "91330106"}
    for code, district in zip(col(ent, "uscc"), col(ent, "district"), strict=True):
        assert code.startswith(prefix[district])
    firms = {(u, n) for u, n in zip(col(ent, "uscc"), col(ent, "name"), strict=True)}
    assert len({u for u, _ in firms}) == len(firms) == len({n for _, n in firms})  # one name per code, unique


def test_company_names_look_chinese_and_plausible(ent):
    for name in set(col(ent, "name")):
        assert re.fullmatch(r"杭州[\u4e00-\u9fff]{2,3}[\u4e00-\u9fff]{1,8}(股份)?有限公司", name), name


def test_industry_codes_have_the_section_of_their_division(ent):
    codes = set(col(ent, "industry_code")) - {None}
    assert len(codes) > 30
    for code in codes:
        assert re.fullmatch(r"[A-T]\d{4}", code), code
        low, high = SECTIONS[code[0]]
        assert low <= int(code[1:3]) <= high, code


def test_certification_text_and_dates(ent):
    for year, founded, text in zip(col(ent, "year"), col(ent, "founded_on"), col(ent, "certifications"),
                                   strict=True):
        if text is None:
            continue
        names = []
        for part in text.split(";"):
            title, _, when = part.partition("@")
            assert title in TITLES, text
            assert founded < dt.date.fromisoformat(when) <= dt.date(year, 12, 31), text
            names.append(title)
        assert len(names) == len(set(names)), text


def test_title_pyramid_in_the_last_year(ent):
    last = last_year_rows(ent)
    counts = [title_count(last, t) for t in TITLES]
    assert counts[0] > counts[1] > counts[2] > counts[3] > 0, counts
    assert counts[5] + counts[6] < 0.02 * last.num_rows, counts  # listed firms and unicorns are rare
    assert title_count(last_year_rows(ent), "高新技术企业") > title_count(ent.filter(pc.equal(ent["year"], 2021)), "高新技术企业")


def test_titles_persist_over_the_years(ent):
    by_firm = {}
    for u, y, c in zip(col(ent, "uscc"), col(ent, "year"), col(ent, "certifications"), strict=True):
        by_firm.setdefault(u, {})[y] = c or ""
    kept = lost = 0
    for years in by_firm.values():
        for y in YEARS[:-1]:
            if "高新技术企业@" in years.get(y, "") and y + 1 in years:
                if "高新技术企业@" in years[y + 1]:
                    kept += 1
                else:
                    lost += 1
    assert kept > 5 * lost > 0


def test_home_district_rd_intensity_and_peers(park, ent):
    truth = park.hidden["enterprise_truth"]
    eco = dict(zip(col(truth, "uscc"), col(truth, "ecosystem"), strict=True))
    last = last_year_rows(ent)

    def intensity(*districts):
        rd = rev = 0.0
        for u, d, r, x in zip(col(last, "uscc"), col(last, "district"), col(last, "revenue"),
                              col(last, "rd_expense"), strict=True):
            if d in districts and eco[u] is not None and r is not None and x is not None:
                rev, rd = rev + r, rd + x
        return rd / rev

    home = intensity("滨江区")
    assert 0.05 <= home <= 0.15
    assert intensity("钱塘区", "西湖区") < home
    districts = Counter(col(last, "district"))
    assert districts["滨江区"] > districts["钱塘区"] + districts["西湖区"]
    assert districts["钱塘区"] > 0 and districts["西湖区"] > 0


def test_firms_enter_and_leave(park, ent):
    truth = park.hidden["enterprise_truth"]
    assert truth.num_rows == 2000 == len(set(col(ent, "uscc")))
    rows = Counter(col(ent, "uscc"))
    for u, first, last in zip(col(truth, "uscc"), col(truth, "first_year"), col(truth, "last_year"), strict=True):
        assert rows[u] == last - first + 1  # one row a year, without gaps
    assert any(y < max(YEARS) for y in col(truth, "last_year"))
    assert any(y > min(YEARS) for y in col(truth, "first_year"))
    leaders = {u for u, lead in zip(col(truth, "uscc"), col(truth, "chain_leader"), strict=True) if lead}
    assert len(leaders) >= 3
    last = last_year_rows(ent)
    revenue = {u: r for u, r in zip(col(last, "uscc"), col(last, "revenue"), strict=True) if r is not None}
    typical = np.median(list(revenue.values()))
    assert all(revenue[u] > 100 * typical for u in leaders if u in revenue)  # 链主 dwarf the rest


def test_scope_and_products_name_the_chain_link(park, ent):
    vocab = load_vocabulary()
    words = {lk.name: set(lk.scope) | set(lk.products) for _, lk in vocab.links}
    truth = park.hidden["enterprise_truth"]
    link = dict(zip(col(truth, "uscc"), col(truth, "chain_link"), strict=True))
    last = last_year_rows(ent)
    checked = 0
    for u, scope, products in zip(col(last, "uscc"), col(last, "business_scope"), col(last, "products"), strict=True):
        if link[u] and scope:
            text = scope + (products or "")
            assert any(w in text for w in words[link[u]]), (link[u], text)
            checked += 1
    assert checked > 1000
    others = [s for s in col(truth, "sector") if s]
    assert 0.1 * truth.num_rows < len(others) < 0.4 * truth.num_rows


def test_references_between_tables(park):
    t = park.tables
    parks = set(col(t["parks"], "park_id"))
    usccs = set(col(t["enterprises"], "uscc"))
    assert set(col(t["spaces"], "park_id")) <= parks
    assert set(col(t["projects"], "park_id")) - {None} <= parks
    assert set(col(t["tech_needs"], "uscc")) <= usccs
    assert set(col(t["talents"], "employer_uscc")) <= usccs
    assert all(re.fullmatch(r"P-(BJ|QT|XH)-\d{2}", p) for p in parks)
    assert t["spaces"].num_rows >= 50


def test_project_stages_have_ordered_dates(park):
    projects = park.tables["projects"]
    fields = ["negotiated_on", "signed_on", "landed_on", "started_on", "operating_on"]
    stages = ["negotiating", "signed", "landed", "construction", "operating"]
    assert 50 <= projects.num_rows <= 150
    for row in projects.to_pylist():
        reached = stages.index(row["stage"])
        dates = [row[f] for f in fields]
        assert all(d is not None for d in dates[: reached + 1]), row
        assert all(d is None for d in dates[reached + 1:]), row
        assert dates[: reached + 1] == sorted(dates[: reached + 1]) and dates[reached] <= TODAY, row
    big = [i for i in col(projects, "investment") if i is not None and i >= 10000]
    assert len(big) >= 5
    ecosystems = {e.name for e in load_vocabulary().ecosystems}
    assert set(col(projects, "ecosystem")) <= ecosystems


def test_talents_pyramid_and_dates(park):
    talents = park.tables["talents"]
    cats = Counter(col(talents, "category"))
    assert cats["E"] > cats["D"] > cats["C"] > cats["B"] >= cats["A"]
    ent = park.tables["enterprises"]
    founded = dict(zip(col(ent, "uscc"), col(ent, "founded_on"), strict=True))
    for u, arrival, birth in zip(col(talents, "employer_uscc"), col(talents, "arrival_date"),
                                 col(talents, "birth_year"), strict=True):
        assert founded[u] <= arrival <= TODAY
        assert arrival.year - birth >= 21


def test_need_truth_comes_from_shared_topics(park):
    needs, experts = park.tables["tech_needs"], park.tables["experts"]
    truth, need_topics = park.hidden["need_truth"], park.hidden["need_topics"]
    assert set(col(truth, "relevance")) == {0, 1, 2, 3}
    assert set(col(truth, "need_id")) <= set(col(needs, "need_id"))
    assert set(col(truth, "expert_id")) <= set(col(experts, "expert_id"))
    topics = dict(zip(col(need_topics, "need_id"), col(need_topics, "topics"), strict=True))
    keywords = {e: set(k.split(";")) for e, k in zip(col(experts, "expert_id"), col(experts, "keywords"), strict=True)}
    text = {n: t + d for n, t, d in zip(col(needs, "need_id"), col(needs, "title"), col(needs, "description"), strict=True)}
    for n, e, r in zip(col(truth, "need_id"), col(truth, "expert_id"), col(truth, "relevance"), strict=True):
        shared = set(topics[n]) & keywords[e]
        if r == 3:
            assert shared == set(topics[n])
        elif r == 2:
            assert shared and shared != set(topics[n])
        else:
            assert not shared
    assert all(all(t in text[n] for t in ts) for n, ts in topics.items())
    pairs = list(zip(col(truth, "need_id"), col(truth, "expert_id"), strict=True))
    assert len(pairs) == len(set(pairs))


def test_sizes_scale_with_the_park():
    assert expert_count(20_000) == 4633 and need_count(20_000) == 5544
    assert expert_count(1_000_000) == 4633 and need_count(1_000_000) == 5544
    tiny = generate_park(enterprises=200, seed=1, years=(2024, 2025))
    sizes = tiny.meta["sizes"]
    assert sizes["experts"] < 100 and sizes["tech_needs"] < 100 and sizes["talents"] <= 200
    assert sizes["spaces"] == 50 and 50 <= sizes["projects"] <= 150
    assert set(col(tiny.tables["enterprises"], "year")) == {2024, 2025}


def test_meta_labels_the_data_as_synthetic(park):
    assert park.meta["synthetic"] is True
    assert park.meta["note"] == NOTE == "演示数据，系合成生成，非真实企业"
    assert park.meta["seed"] == 7 and park.meta["years"] == list(YEARS)
    assert park.meta["sizes"]["enterprises"] == park.tables["enterprises"].num_rows


@pytest.mark.parametrize("kwargs", [{"enterprises": 0}, {"years": ()}, {"years": (2030,)}, {"seed": -1}])
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        generate_park(**kwargs)


def test_hidden_tables_are_arrow(park):
    assert {"enterprise_truth", "need_truth"} <= set(park.hidden)
    assert all(isinstance(t, pa.Table) for t in park.hidden.values())
    assert park.hidden["need_truth"].schema.field("relevance").type == pa.int8()
