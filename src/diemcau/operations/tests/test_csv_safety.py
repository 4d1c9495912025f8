"""The rehearsal not-ready CSV keeps notes and names typed as formulas as inert text."""

import pytest

from diemcau.conftest import HANOI, HOAN_KIEM
from diemcau.operations.tests.test_rehearsals import URL, check, schedule
from diemcau.sites.tests.test_csv_safety import PAYLOADS, assert_inert, parse

pytestmark = pytest.mark.django_db


def test_not_ready_csv_is_inert(clock, api_as, make_site):
    for i, payload in enumerate(PAYLOADS):
        make_site(
            HOAN_KIEM, code=f"X-{i}", name=payload, tech_name=payload, tech_phone=payload[:20]
        )
    central = api_as("central_organiser")
    rid = schedule(central, HANOI).json()["id"]
    for i, payload in enumerate(PAYLOADS):
        assert check(central, rid, f"X-{i}", sound=False, note=payload).status_code == 201
    response = api_as("province_organiser", HANOI).get(f"{URL}/{rid}/not-ready.csv")
    assert response.status_code == 200
    rows = parse(response.content.decode("utf-8"))
    assert_inert(rows)
    names = sorted(row[1] for row in rows[1:])
    assert names == sorted("'" + p for p in PAYLOADS)
    notes = sorted(row[8] for row in rows[1:])
    # The check's note is stored stripped of its leading tab or CR; still a formula, still quoted.
    assert notes == sorted("'" + p.strip() for p in PAYLOADS)
