"""Delegate codes: short, typeable, checkable, and cheap to index.

A code is the delegate's row id in Crockford's base32 (digits and upper-case letters without
I, L, O, U), padded to 7 characters (34 billion ids), plus one check character: the sum of the
values under odd weights, modulo 32. Odd weights are invertible modulo 32, so any single mistyped
character changes the check; a swap of two neighbours does unless their values differ by 16.

Codes grow with the id, so a bulk load of 1.5 million delegates appends to the unique index
instead of scattering random keys over it (which cost seconds on SQLite). A code says nothing
about the person: the QR badge will carry the random `secret`, not the code alone.
"""

from functools import lru_cache

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
WIDTH = 7
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_LOW = 32**3
_CHECK_MOD = 32


def code_for(pk: int) -> str:
    digits = []
    n = pk
    for _ in range(WIDTH):
        n, r = divmod(n, 32)
        digits.append(ALPHABET[r])
    if n:
        raise ValueError(f"id {pk} does not fit in {WIDTH} base32 characters")
    body = "".join(reversed(digits))
    return body + _check(body)


def _check(body: str) -> str:
    total = sum((2 * i + 1) * _VALUE[ch] for i, ch in enumerate(body))
    return ALPHABET[total % _CHECK_MOD]


def normalise(text: str) -> str | None:
    """A code as typed ("00001a-k", "0000 1AK", O for 0, I/L for 1) → canonical, or None."""
    cleaned = text.strip().upper().replace("-", "").replace(" ", "")
    cleaned = cleaned.replace("O", "0").replace("I", "1").replace("L", "1")
    if len(cleaned) != WIDTH + 1 or any(ch not in _VALUE for ch in cleaned):
        return None
    if _check(cleaned[:WIDTH]) != cleaned[WIDTH]:
        return None
    return cleaned


@lru_cache(maxsize=1)
def _low_table() -> tuple[list[str], list[int]]:
    """The last three body characters of ids 0..32767 and their weighted sums (weights 9–13)."""
    texts: list[str] = []
    sums: list[int] = []
    for low in range(_LOW):
        body = code_for(low)[WIDTH - 3 : WIDTH]
        texts.append(body)
        sums.append(sum((2 * (i + 4) + 1) * _VALUE[ch] for i, ch in enumerate(body)))
    return texts, sums


def codes_for(first: int, count: int) -> list[str]:
    """code_for(pk) for `count` consecutive ids, ~10× faster (1.5 million in ~0.3 s)."""
    texts, sums = _low_table()
    out: list[str] = []
    pk, end = first, first + count
    while pk < end:
        high = pk // _LOW
        head = code_for(high * _LOW)[: WIDTH - 3]
        head_sum = sum((2 * i + 1) * _VALUE[ch] for i, ch in enumerate(head))
        stop = min(end, (high + 1) * _LOW)
        base = high * _LOW
        out.extend(
            head + texts[low] + ALPHABET[(head_sum + sums[low]) % _CHECK_MOD]
            for low in range(pk - base, stop - base)
        )
        pk = stop
    return out
