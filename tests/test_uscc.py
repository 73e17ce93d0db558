"""统一社会信用代码 validation against GB 32100-2015."""

import random

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parkbrain.uscc import CHARSET, check_character, is_valid_uscc, uscc_problem, uscc_problems

# Codes published by the firms themselves (business licences / annual reports): an independent
# check of the weights and the check-character table.
PUBLISHED = [
    "914403001922038216",  # 华为技术有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91330100716105852F",  # 阿里巴巴(中国)有限公司
]


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code):
    assert is_valid_uscc(code)
    assert check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code", PUBLISHED)
def test_every_wrong_check_character_is_caught(code):
    wrong = [c for c in CHARSET if c != code[17]]
    assert len(wrong) == 30
    assert all(uscc_problem(code[:17] + c) == "check_digit" for c in wrong)


@pytest.mark.parametrize("code", PUBLISHED)
def test_a_single_changed_character_is_caught(code):
    # A mod-31 weighted sum detects every single substitution.
    for pos in range(17):
        for c in CHARSET:
            if c != code[pos]:
                assert not is_valid_uscc(code[:pos] + c + code[pos + 1:])


def test_kinds_of_invalid():
    good = PUBLISHED[0]
    assert uscc_problem(good[:17]) == "length"
    assert uscc_problem(good + "0") == "length"
    for letter in "IOZSV":  # letters left out of the set because they look like digits
        assert uscc_problem(letter + good[1:]) == "charset"
    assert uscc_problem("９" + good[1:]) == "charset"  # a full-width digit


def test_vectorised_agrees_with_scalar_and_normalises():
    codes = [*PUBLISHED, "91440300708461136X", "123", None, " 91330100716105852f ", "Z" * 18, "企" * 18]
    got = uscc_problems(pa.array(codes)).to_pylist()
    assert got == [None, None, None, "check_digit", "length", None, None, "charset", "charset"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=CHARSET + "IOZSVa中", min_size=16, max_size=19))
def test_vectorised_equals_scalar_on_any_text(code):
    assert uscc_problems(pa.array([code])).to_pylist() == [uscc_problem(code.strip().upper())]


def test_random_codes_with_their_check_character_are_valid():
    rng = random.Random(7)
    codes = ["".join(rng.choice(CHARSET) for _ in range(17)) for _ in range(500)]
    codes = [c + check_character(c) for c in codes]
    assert uscc_problems(pa.array(codes)).null_count == 500
