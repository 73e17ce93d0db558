"""The reader's parts: decoding, normalisation, boilerplate, periods, subjects, value expressions."""

from __future__ import annotations

import codecs
import datetime as dt

import pytest

from parkbrain.bulletins.boilerplate import classify_lines, line_reason
from parkbrain.bulletins.decode import BulletinFileError, decode_bytes, read_bulletin
from parkbrain.bulletins.metrics import load_catalogue
from parkbrain.bulletins.normalise import normalise
from parkbrain.bulletins.periods import document_year, find_periods
from parkbrain.bulletins.quantities import find_quantities
from parkbrain.bulletins.ranks import find_ranks
from parkbrain.bulletins.subjects import document_subjects, find_bodies

TEXT = "上半年，园区新增企业120家。"


@pytest.mark.parametrize("data", [
    TEXT.encode("utf-8"), codecs.BOM_UTF8 + TEXT.encode("utf-8"), TEXT.encode("gbk"), TEXT.encode("gb18030"),
    codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
])
def test_decodes_common_encodings(data):
    assert decode_bytes(data, name="a.txt") == TEXT


@pytest.mark.parametrize(("data", "code"), [
    (b"", "empty"), (b"  \n\t ", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"abc\x80\xff\x80 \xc3", "undecodable"),
])
def test_bad_files_say_which_and_why(data, code):
    with pytest.raises(BulletinFileError) as info:
        decode_bytes(data, name="bad.txt")
    assert info.value.code == code and info.value.message("en").startswith("bad.txt: ")
    assert info.value.message("zh").startswith("bad.txt: ")


def test_missing_file(tmp_path):
    with pytest.raises(BulletinFileError, match="cannot be read"):
        read_bulletin(tmp_path / "none.txt")


def test_read_bulletin_hash(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"abc")
    assert read_bulletin(path) == ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")


@pytest.mark.parametrize(("raw", "clean"), [
    ("杭州高新區(qū)(濱江)規上工業增加值", "杭州高新区(滨江)规上工业增加值"),
    ("增長１７．５％（同比）", "增长17.5%(同比)"),
    ("「數字經濟」", "“数字经济”"),
    ("增长5%，，其中。。", "增长5%,其中。"),
    ("总量\u200b达到\u3000100亿元", "总量达到 100亿元"),
    ("R&D(RD)投入", "R&D(RD)投入"),  # not a gloss: upper case
])
def test_normalise(raw, clean):
    assert normalise(raw) == clean


@pytest.mark.parametrize(("line", "reason"), [
    ("首页 > 新闻中心 > 工作动态", "navigation"),
    ("【打印】【关闭】", "navigation"),
    ("字号：大 中 小", "navigation"),
    ("无障碍 长者版", "navigation"),
    ("2024-03-05 14:20", "dateline"),
    ("发布时间：2024-03-05 来源：区统计局", "byline"),
    ("责任编辑：王某", "byline"),
    ("Copyright © 2024 某某市人民政府 版权所有", "copyright"),
    ("京ICP备05070218号 京公网安备11010502030143号", "copyright"),
    ("IMG_20240305_101010.jpg", "image"),
    ("(图片来源：视觉中国)", "caption"),
    ("关键词：园区 经济", "tags"),
    ("澳门博彩娱乐城，百家乐真人视讯", "spam"),
    ("原文链接：http://www.example.gov.cn/art/2024/3/5/art_1.html", "link"),
    ("2023年，全区实现地区生产总值1020亿元。", "content"),
    ("成人教育学院新增学员300人。", "content"),  # one spam-like word is not spam
])
def test_boilerplate_lines(line, reason):
    assert line_reason(normalise(line)) == reason


def test_related_list_titles_dropped():
    lines = ["全年新增企业100家。", "相关阅读", "某区召开100个项目推进会", "某区表彰50家企业", ""]
    assert [v.reason for v in classify_lines(lines)] == ["content", "related", "related", "related", "empty"]


@pytest.mark.parametrize(("sentence", "year", "periods"), [
    ("今年1至8月,新引进人才", 2022, ["2022-01..2022-08"]),
    ("前三季度,地区生产总值", 2023, ["2023-01..2023-09"]),
    ("2023年1-6月,钱塘实现", 2024, ["2023H1"]),
    ("一季度实现", 2025, ["2025Q1"]),
    ("截至9月底,累计", 2023, ["2023-09-30"]),
    ("到2025年底,力争", 2022, ["2025-12-31"]),
    ("去年,全区", 2023, ["2022"]),
    ("过去一年,全区", 2024, ["2023"]),
    ("2022年,……全年新引进", 2023, ["2022", "2022"]),
    ("“十三五”末", 2021, ["2020-12-31"]),
    ("1—12月", 2023, ["2023"]),
])
def test_periods(sentence, year, periods):
    assert [m.period for m in find_periods(sentence, year) if not m.base] == periods


def test_comparison_bases_are_not_periods():
    assert [m.base for m in find_periods("较上年末净增3120户,比上年增长5%", 2023)] == [True, True]


@pytest.mark.parametrize(("lines", "given", "year"), [
    (["发布日期:2023-08-10 10:23 信息来源:钱塘新区报", "上半年,……"], None, 2023),
    (["标题", "2022-10-14 10:00 来源:人民网"], dt.date(2020, 1, 1), 2022),
    (["本周举行的2025年滨江国际人才活动开幕式上"], None, 2025),
    (["2025年是“十四五”规划收官之年"], None, 2025),
    (["今年,全区实现……"], dt.date(2021, 6, 1), 2021),
    (["今年,全区实现……"], None, None),
])
def test_document_year(lines, given, year):
    assert document_year(lines, given) == year


@pytest.mark.parametrize(("text", "names"), [
    ("上半年,钱塘区依托省、市两级政策", ["钱塘区"]),
    ("合肥高新区、临平区、拱墅区、苏州工业园区、武汉东湖新技术开发区", ["合肥高新区", "临平区", "拱墅区", "苏州工业园区",
                                                                  "武汉东湖新技术开发区"]),
    ("举西湖区全区之力加快推进城西科创大走廊西湖片区建设", ["西湖区", "城西科创大走廊西湖片区"]),
    ("浙江省杭州高新区(滨江)紧紧围绕", ["浙江省", "杭州高新区(滨江)"]),
    ("实现从新区向创新大区、产业强区的跨越", []),
    ("城市更新,社区治理,上市企业,项目东区", []),
])
def test_find_bodies(text, names):
    assert [b.name for b in find_bodies(text)] == names


def test_main_subject_short_forms_and_nicknames():
    subjects = document_subjects(["2022年,杭州高新区(滨江)发布方案。", "“国际滨”新增企业10家,国际滨将推进……",
                                  "今年,“国际滨”计划引进项目25个。", "杭州市全市增长5%。"])
    assert subjects.main == "杭州高新区(滨江)"
    assert subjects.resolve("国际滨") == "杭州高新区(滨江)" and subjects.resolve("高新区(滨江)") == "杭州高新区(滨江)"


def test_defined_short_name():
    subjects = document_subjects(["青岛经济技术开发区(以下简称青岛经开区)上半年……", "青岛经开区新增企业20家。"])
    assert subjects.main == "青岛经开区"


@pytest.mark.parametrize(("text", "expected"), [
    ("全年新引进人才3.8万人", [("3.8万人", 38000, "person", "eq")]),
    ("近1600家生物医药企业", [("近1600家", 1600, "enterprise", "approx")]),
    ("安置房148.9万平方米", [("148.9万平方米", 1489000, "sqm", "eq")]),
    ("面积约21平方公里", [("约21平方公里", 21, "km2", "approx")]),
    ("实际利用外资4.43亿美元", [("4.43亿美元", 443000000, "USD", "eq")]),
    ("体育场地200余处", [("200余处", 200, "site", "gt")]),
    ("增长10%以上", [("10%以上", 10, "percent", "gt")]),
    ("不少于30项", [("不少于30项", 30, "item", "gte")]),
    ("不到0.5%", [("不到0.5%", 0.5, "percent", "lt")]),
    ("首破千亿元", [("首破千亿元", 100000000000, "CNY", "gt")]),
    ("增长2.6倍", [("2.6倍", 2.6, "percent", "eq")]),
    ("拟选取3—5家", [("3—5家", 5, "enterprise", "lte")]),
])
def test_value_expressions(text, expected):
    found = [(q.value_text, q.value, q.unit, q.qualifier) for q in find_quantities(text)]
    assert found == [(t, pytest.approx(v), u, q) for t, v, u, q in expected]


@pytest.mark.parametrize("text", [
    "今年是“八八战略”实施20周年", "倒计时200天", "人口平均年龄仅33.5岁", "第六届世界浙商大会",
    "三大产业链", "“5050计划”", "415X先进制造业集群", "5G基站", "“1+5+20”体系", "成立于1984年",
    "30多年来", "连续六个月", "苏ICP备17007001号-1", "一个目标", "零部件", "2023-02-02 07:01:51",
])
def test_no_figures(text):
    assert find_quantities(text) == []


def test_ranks():
    found = find_ranks("规上工业增加值位列杭州全市第一,居浙江省第一位,排名由第八升至第五,居榜首;第一批;第一生产力")
    assert [(r.scope, r.position) for r in found] == [("杭州全市", 1), ("浙江省", 1), (None, 5), (None, 1)]


def test_catalogue_has_the_genre():
    catalogue = load_catalogue()
    assert len(catalogue.metrics) >= 30
    assert {"gdp", "industrial_value_added", "digital_core_value_added", "rd_intensity", "patents_granted",
            "invention_patents_held", "invention_patents_per_10k", "new_talent", "talent_total",
            "listed_companies", "little_giants", "high_tech_enterprises", "fdi_actual", "technology_transactions",
            "incubated_enterprises", "new_market_entities", "fixed_asset_investment",
            "retail_sales"} <= set(catalogue.metrics)
    assert all(m.source and m.description and m.unit for m in catalogue.metrics.values())


@pytest.mark.parametrize(("metric", "unit", "metric_id"), [
    ("全社会研究与试验发展(R&D)经费投入占地区生产总值比重", "percent", "rd_intensity"),
    ("培育国家专精特新“小巨人”", "enterprise", "little_giants"),
    ("国家高新技术企业数量", "enterprise", "high_tech_enterprises"),
    ("经济总量", "percent", None),  # a share of the economy is not the economy
    ("引进并落地海内外高层次人才创业项目", "project", None),  # projects, not talents
    ("占地区生产总值比重", "percent", None),
])
def test_metric_catalogue_match(metric, unit, metric_id):
    assert load_catalogue().match(metric, unit) == metric_id
