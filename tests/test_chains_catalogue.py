"""Chains as data: the shipped files, an officer's own file, and errors named by file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from parkbrain.chains.catalogue import load_catalogue, package_dir
from parkbrain.chains.datafile import DataFileError
from parkbrain.chains.targets import load_targets
from parkbrain.i18n import catalogue as messages

VOCABULARY = Path(__file__).resolve().parents[1] / "src" / "parkbrain" / "demo" / "vocabulary.yaml"
GOOD = """\
id: quantum
order: 9
name: {zh: 量子信息, en: Quantum information}
version: "2024"
sources: ["杭州高新区(滨江) 2023 工作安排 (seeds 000: 量子信息)"]
links:
  upstream:
    - id: devices
      name: {zh: 量子器件, en: Quantum devices}
      codes: {C3979: 其他电子器件制造}
      keywords: [量子器件, 单光子探测器]
  downstream:
    - id: services
      name: {zh: 量子通信服务, en: Quantum communication}
      keywords: [量子通信, 量子密钥分发]
edges:
  - {from: devices, to: services}
  - {from: smart_iot/sensors, to: services}
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_five_chains_of_the_seeds_in_order():
    cat = load_catalogue()
    assert [(c.id, c.zh) for c in cat.chains] == [
        ("smart_iot", "智能物联"), ("biomedicine", "生物医药"), ("high_end_equipment", "高端装备"),
        ("green_energy", "绿色能源"), ("new_materials", "新材料")]
    for chain in cat.chains:
        assert chain.sources and {lk.position for lk in chain.links} == {"upstream", "midstream", "downstream"}


def test_chain_ids_are_the_ecosystem_ids():
    ecosystems = yaml.safe_load((VOCABULARY.parent.parent / "data" / "ecosystems.yaml").read_text("utf-8"))
    assert [e["zh"] for e in ecosystems["ecosystems"]] == [c.zh for c in load_catalogue().chains]
    assert [e["id"] for e in ecosystems["ecosystems"]] == [c.id for c in load_catalogue().chains]


def test_every_demo_link_has_a_link_of_the_same_name_and_position():
    vocab = yaml.safe_load(VOCABULARY.read_text("utf-8"))
    cat = load_catalogue()
    for eco in vocab["ecosystems"]:
        chain = next(c for c in cat.chains if c.zh == eco["name"])
        ours = {lk.zh: lk.position for lk in chain.links}
        assert {lk["name"]: lk["position"] for lk in eco["links"]}.items() <= ours.items(), eco["name"]


def test_links_the_demo_lacks_are_there_to_show_as_missing():
    vocab = yaml.safe_load(VOCABULARY.read_text("utf-8"))
    demo = {lk["name"] for eco in vocab["ecosystems"] for lk in eco["links"]}
    extra = {lk.zh for lk in load_catalogue().links} - demo
    assert extra == {"晶圆制造与封测", "制药装备与生物工艺耗材", "装备再制造与运维", "氢能与燃料电池", "新能源材料"}


def test_edges_and_lookups():
    cat = load_catalogue()
    assert "high_end_equipment/semiconductor_equipment" in cat.suppliers("smart_iot/ic_manufacturing")
    assert cat.customers("smart_iot/software_platforms") == ["smart_iot/system_integration",
                                                            "high_end_equipment/smart_manufacturing"]
    assert cat.find_link("体外诊断").key == "biomedicine/ivd"
    assert cat.find_link("Sensors").key == "smart_iot/sensors"
    with pytest.raises(KeyError, match="matches no link"):
        cat.find_link("量子计算")


def test_an_officer_adds_a_chain_with_a_file(tmp_path):
    write(tmp_path, "quantum.yaml", GOOD)
    cat = load_catalogue([tmp_path])
    assert cat.chains[-1].id == "quantum" and len(cat.chains) == 6
    assert cat.suppliers("quantum/services") == ["quantum/devices", "smart_iot/sensors"]


def test_an_officers_file_with_the_same_id_replaces_the_shipped_chain(tmp_path):
    shipped = (package_dir() / "new_materials.yaml").read_text(encoding="utf-8")
    extra = "    - id: superconductors\n      name: {zh: 超导材料, en: Superconductors}\n      keywords: [超导材料]\n"
    write(tmp_path, "new_materials.yaml", shipped.replace("  downstream:\n", extra + "  downstream:\n"))
    cat = load_catalogue([tmp_path])
    assert "superconductors" in [lk.id for lk in cat.chain("new_materials").links] and len(cat.chains) == 5


def test_dropping_a_link_other_chains_buy_from_names_their_edges(tmp_path):
    shipped = (package_dir() / "new_materials.yaml").read_text(encoding="utf-8")
    write(tmp_path, "new_materials.yaml", shipped.replace("    - id: polymers", "    - id: plastics"))
    with pytest.raises(DataFileError, match=r"biomedicine.yaml:\d+: edges\[10\].from: no link 'new_materials/polymers'"):
        load_catalogue([tmp_path])


@pytest.mark.parametrize(("change", "line", "says"), [
    (("C3979: 其他电子器件制造", "X3979: 其他电子器件制造"), 10, "not a GB/T 4754-2017 code"),
    (("[量子器件, 单光子探测器]", "[量子器件, 单光子、探测器]"), 11, "contains '、'"),
    (("{from: devices, to: services}", "{from: devices, to: service}"), 17, "no link 'quantum/service'"),
    (("      keywords: [量子通信, 量子密钥分发]\n", ""), 13, "keywords: is required"),
    (("id: services", "id: devices"), 13, "used twice"),
    (("version: \"2024\"\n", "version: \"2024\"\nowner: 链长办\n"), 5, "owner: is not a known field"),
    (("name: {zh: 量子信息, en: Quantum information}", "name: {zh: 量子信息, en: [Quantum}"), 3, "not valid YAML"),
])
def test_a_bad_chain_file_is_refused_with_its_file_and_line(tmp_path, change, line, says):
    path = write(tmp_path, "quantum.yaml", GOOD.replace(*change))
    assert GOOD.replace(*change) != GOOD
    with pytest.raises(DataFileError) as caught:
        load_catalogue([tmp_path])
    text = str(caught.value)
    assert f"{path}:{line}:" in text and says in text, text


def test_targets_from_the_seeds_and_a_bad_targets_file(tmp_path):
    targets = load_targets()
    assert {p.id: (p.target, p.date) for p in targets.pipeline} == {
        "attracted_100m": (25, "signed_on"), "landed": (20, "landed_on"), "started": (18, "started_on")}
    assert targets.pipeline[0].min_investment == 10000
    write(tmp_path / "chains" / "targets", "mine.yaml", """\
        id: mine
        name: {zh: 目标, en: Targets}
        version: "2025"
        sources: [test]
        pipeline:
          - {id: started, name: {zh: 开工, en: Started}, date: begun_on, target: 18}
        """)
    with pytest.raises(DataFileError, match=r"mine.yaml:6: pipeline\[0\].date: Input should be"):
        load_targets([tmp_path / "chains"])


def test_chain_messages_exist_in_both_languages():
    zh = {k for k in messages("zh") if k.startswith("chains.")}
    en = {k for k in messages("en") if k.startswith("chains.")}
    assert zh == en and len(zh) > 150
