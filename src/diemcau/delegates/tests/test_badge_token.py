"""What a badge's QR carries and how a scan is checked."""

import re

from diemcau.delegates import badge_token
from diemcau.delegates.codes import code_for

SECRET = "0f" * 16


def test_payload_uses_only_the_qr_alphanumeric_set_and_verifies():
    code = code_for(123_456)
    payload = badge_token.payload_for(code, SECRET)
    assert re.fullmatch(r"[0-9A-Z $%*+\-./:]+", payload)  # QR alphanumeric mode
    parsed = badge_token.parse(payload)
    assert parsed is not None
    assert parsed[0] == code
    assert parsed[1] is not None and badge_token.verify(code, SECRET, parsed[1])


def test_a_new_secret_or_another_code_does_not_verify():
    code = code_for(77)
    mac = badge_token.mac_for(code, SECRET)
    assert not badge_token.verify(code, "1a" * 16, mac)  # the badge was revoked and reissued
    assert not badge_token.verify(code_for(78), SECRET, mac)  # a code pasted onto a copied QR


def test_scanner_in_lower_case_and_typed_codes_are_understood():
    code = code_for(99)
    assert badge_token.parse(badge_token.payload_for(code, SECRET).lower()) is not None
    assert badge_token.parse(f" {code[:4]}-{code[4:].lower()} ") == (code, None)
    assert badge_token.parse("DC1:XYZ:123") is None
    assert badge_token.parse("hello") is None


def test_badge_digest_is_what_the_console_recognises_offline():
    code = code_for(5)
    digest = badge_token.badge_digest(code, SECRET)
    assert len(digest) == 20
    assert digest != badge_token.badge_digest(code, "1a" * 16)
    assert badge_token.mac_for(code, SECRET) not in digest


def test_the_badge_address_and_the_old_payload_name_the_same_badge():
    """A phone opens the address; a scanner at the door may send either form, in any case."""
    code = code_for(4242)
    mac = badge_token.mac_for(code, SECRET)
    url = badge_token.badge_url(code, SECRET, "https://hoinghi.example.gov.vn/")
    assert url == f"https://hoinghi.example.gov.vn/d/{code}.{mac}"
    for text in (
        url,
        url.upper(),  # a scanner on a Vietnamese keyboard layout with Caps Lock
        url + "/",
        f"http://10.0.0.5:8000/d/{code}.{mac}",  # any host: the MAC decides, not the address
        f"{code}.{mac}",  # the address's last part alone (the /d/ route, a typed link)
        badge_token.payload_for(code, SECRET),
        badge_token.payload_for(code, SECRET).lower(),
    ):
        assert badge_token.parse(text) == (code, mac), text
    assert badge_token.verify(code, SECRET, mac)


def test_broken_addresses_are_not_badges():
    code = code_for(4242)
    mac = badge_token.mac_for(code, SECRET)
    for text in (
        f"https://x.vn/d/{code}.{mac[:-1]}",  # a MAC character lost
        f"https://x.vn/d/{code[:-1]}X.{mac}",  # the code's check character wrong
        f"https://x.vn/e/{code}.{mac}",  # another route
        f"https://x.vn/d/{code}.{mac}?x=1",
        "https://x.vn/d/",
        "a.b",
    ):
        assert badge_token.parse(text) is None, text
