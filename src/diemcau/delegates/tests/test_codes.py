"""Delegate codes and CCCD hashing: the properties people and the import rely on."""

import hmac
import itertools

import pytest

from diemcau.delegates.codes import ALPHABET, code_for, codes_for, normalise
from diemcau.delegates.pii import _key, national_id_hash


def test_codes_are_ordered_like_ids_and_batch_generation_matches():
    codes = codes_for(32_700, 200)  # crosses a 32,768 boundary of the batch table
    assert codes == [code_for(pk) for pk in range(32_700, 32_900)]
    assert codes == sorted(codes) and len(set(codes)) == 200
    assert all(len(c) == 8 for c in codes)


def test_check_character_catches_any_typo_and_swaps_of_neighbours():
    code = code_for(1_234_567)
    assert normalise(code.lower()) == code
    assert normalise(f" {code[:4]}-{code[4:]} ") == code
    for i, ch in itertools.product(range(8), ALPHABET):
        if ch != code[i]:
            assert normalise(code[:i] + ch + code[i + 1 :]) is None
    for pk in (1_234_567, 987_654_321, 5):
        body = code_for(pk)
        for i in range(6):
            a, b = ALPHABET.index(body[i]), ALPHABET.index(body[i + 1])
            if a != b and abs(a - b) != 16:
                assert normalise(body[:i] + body[i + 1] + body[i] + body[i + 2 :]) is None


def test_national_id_hash_is_hmac_sha256_under_the_pii_key(monkeypatch):
    digits = "001085012345"
    expected = hmac.digest(_key(), digits.encode(), "sha256").hex()[:32]
    assert national_id_hash(digits) == expected
    assert digits not in expected


@pytest.mark.parametrize("pk", [0, 1, 31, 32, 32**7 - 1])
def test_code_round_trip(pk):
    assert normalise(code_for(pk)) == code_for(pk)
