"""A deterministic synthetic demo park (演示数据，系合成生成，非真实企业) for ParkBrain.

`generate_park()` returns the seven import-template tables of a 滨江-like home district and its
钱塘 / 西湖 peers, plus the hidden ground truth they were generated from. Plain numpy + pyarrow:
no web, CLI or database imports.
"""

from parkbrain.demo.park import NOTE, DemoPark, generate_park

__all__ = ["NOTE", "DemoPark", "generate_park"]
