"""A synthetic national pool of enterprises outside the park, for 招商 in the demo (合成数据, 非真实企业).

Deterministic: the same catalogue and seed give the same pool, and each link's candidates
depend only on the seed and the link's key (adding a chain changes no other chain's pool).
A real deployment replaces it with a licensed enterprise database in the same columns.

>>> from parkbrain.chains.catalogue import load_catalogue
>>> pool = national_pool(load_catalogue(), per_link=4)
>>> pool.num_rows == 4 * len(load_catalogue().links), set(pool.column("synthetic").to_pylist())
(True, {True})
"""

from __future__ import annotations

import zlib

import numpy as np
import pyarrow as pa

from parkbrain.chains.catalogue import Catalogue, Link

NOTE = "合成数据，非真实企业 (synthetic, not real enterprises)"
SEED = 2023
# (city, province, region); 长三角 first: the seeds' parks attract mostly from there.
CITIES = [
    ("上海", "上海市", "yangtze_delta"), ("苏州", "江苏省", "yangtze_delta"), ("南京", "江苏省", "yangtze_delta"),
    ("无锡", "江苏省", "yangtze_delta"), ("宁波", "浙江省", "yangtze_delta"), ("合肥", "安徽省", "yangtze_delta"),
    ("深圳", "广东省", "pearl_delta"), ("广州", "广东省", "pearl_delta"), ("东莞", "广东省", "pearl_delta"),
    ("北京", "北京市", "beijing_tianjin"), ("天津", "天津市", "beijing_tianjin"), ("成都", "四川省", "chengdu_chongqing"),
    ("重庆", "重庆市", "chengdu_chongqing"), ("武汉", "湖北省", "central"), ("西安", "陕西省", "central"),
]
CITY_WEIGHTS = np.array([6, 5, 3, 3, 3, 3, 5, 3, 2, 4, 2, 2, 2, 2, 2], dtype=float)
BRAND = "华宇创恒聚光云智睿鑫博远辰星宏泰晟达瑞祥讯联安嘉越卓锐迅迪诺微芯格凯尚铭弘泽润昊朗源航图灵思易启明曦峰岳川禾青蓝钛铂极元量慧捷锦帆拓"
WORDS = {"smart_iot": ["微电子", "智能科技", "信息技术", "物联科技", "半导体"],
         "biomedicine": ["生物科技", "医药", "医疗科技", "生物技术"],
         "high_end_equipment": ["智能装备", "精密机械", "自动化", "机电科技"],
         "green_energy": ["新能源", "能源科技", "电气", "储能科技"],
         "new_materials": ["新材料", "材料科技", "化学材料"]}
# Keywords that name an activity (经营范围 wording) rather than a product.
ACTIVITY_ENDINGS = ("制造", "销售", "服务", "研发", "生产", "开发", "经营", "加工", "应用", "批发", "零售", "推广", "转让")
TIERS = ("listed", "little_giant", "specialised_sme", "high_tech_enterprise", "tech_sme", "none")


def _rng(seed: int, link: Link) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(link.key.encode("utf-8"))])


def _tier(rng: np.random.Generator, revenue: float) -> str:
    """A title plausible for the size (万元): large firms are often listed, small ones 科技型."""
    if revenue > 500_000 and rng.random() < 0.7:
        return "listed"
    weights = np.array([0.02, 0.08, 0.2, 0.45, 0.15, 0.1]) if revenue > 20_000 else np.array(
        [0.0, 0.02, 0.1, 0.4, 0.3, 0.18])
    return TIERS[int(rng.choice(len(TIERS), p=weights / weights.sum()))]


def _candidates(link: Link, per_link: int, seed: int) -> list[dict]:
    """One link's synthetic candidates."""
    rng = _rng(seed, link)
    words = WORDS.get(link.chain, ["科技"])
    rows = []
    for i in range(per_link):
        city, province, region = CITIES[int(rng.choice(len(CITIES), p=CITY_WEIGHTS / CITY_WEIGHTS.sum()))]
        revenue = float(np.round(np.exp(rng.normal(np.log(30_000), 1.3)), 1))
        tier = _tier(rng, revenue)
        brand = "".join(rng.choice(list(BRAND), size=2))
        form = "股份有限公司" if tier == "listed" else "有限公司"
        things = [w for w in link.keywords if not w.endswith(ACTIVITY_ENDINGS)] or list(link.keywords)
        products = [str(w) for w in rng.choice(things, size=min(2, len(things)), replace=False)]
        rows.append({
            "candidate_id": f"SYN-{link.chain}-{link.id}-{i + 1:03d}",
            "name": f"{city}{brand}{words[int(rng.integers(len(words)))]}{form}",
            "city": city, "province": province, "region": region, "chain": link.chain, "link": link.id,
            "products": "、".join(products), "revenue": revenue,
            "rd_intensity": float(np.round(np.clip(rng.lognormal(np.log(0.06), 0.5), 0.005, 0.4), 4)),
            "invention_patents": int(rng.poisson(max(1.0, np.log10(revenue) * 6 - 12))),
            "growth": float(np.round(rng.normal(0.12, 0.18), 4)), "tier": tier,
            "expanding": bool(rng.random() < 0.3), "founded_year": int(rng.integers(1995, 2022)),
            "synthetic": True,
        })
    return rows


def national_pool(catalogue: Catalogue, *, per_link: int = 24, seed: int = SEED) -> pa.Table:
    """Candidates for every link of the catalogue (synthetic, labelled so in the `synthetic` column)."""
    rows = [row for link in catalogue.links for row in _candidates(link, per_link, seed)]
    return pa.Table.from_pylist(rows)
