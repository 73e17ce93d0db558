"""Hand-checkable template files for the import and export tests."""

import csv
from pathlib import Path

from parkbrain.uscc import check_character

HEADER = ["统一社会信用代码", "企业名称", "成立日期", "所属区县", "所属园区", "行业代码", "年度",
          "营业收入", "研发费用", "境内研发费用", "职工总数", "科技人员数", "资质", "重大安全质量事故"]


def uscc(i: int) -> str:
    first = f"91330108MA{i:07d}"
    return first + check_character(first)


def rows(n: int = 10) -> list[list[str]]:
    """n enterprise-years: enterprise i//2, years 2022/2023, hand-checkable figures."""
    out = []
    for i in range(n):
        firm, year = i // 2, 2022 + i % 2
        out.append([uscc(firm), f"杭州测试{firm}号科技有限公司", "2015-06-01", "滨江区", "物联网产业园",
                    "I6513", str(year), str(1000 + i), str(100 + i), str(60 + i), "50", "12",
                    "高新技术企业@2021-11-03" if firm % 2 else "", "否"])
    return out


def write_csv(path: Path, body: list[list[str]], header=HEADER, encoding="utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(body)
    return path


SPACE_HEADER = ["房源编号", "园区编号", "楼栋", "楼层", "面积", "租金", "用途", "可入驻日期", "状态"]
