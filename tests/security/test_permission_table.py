"""Every API operation and every page, for every identity, inside and outside its scope.

The list of what exists comes from the OpenAPI document and the URL conf, so a new endpoint
without a row in table.py fails `test_every_operation_and_page_has_a_row`; a row that matches
nothing fails it too. Each identity's run collects every mismatch into one message.
"""

import os
from pathlib import Path

import pytest

from .harness import api_operations, call, client_for, judged, pages
from .table import TABLE
from .world import IDENTITIES, NAMES, World


def test_every_operation_and_page_has_a_row() -> None:
    rows = {e.key for e in TABLE}
    duplicated = sorted({f"{m} {p}" for m, p in rows if sum(e.key == (m, p) for e in TABLE) > 1})
    operations = api_operations()
    routes = pages()
    tabled_pages = {p for _m, p in rows if not p.startswith("/api/")}
    missing = sorted(f"{m} {p}" for m, p in operations - rows) + sorted(routes - tabled_pages)
    stale = sorted(
        f"{m} {p}"
        for m, p in rows
        if (p.startswith("/api/") and (m, p) not in operations)
        or (not p.startswith("/api/") and p not in routes)
    )
    problems = (
        [f"no row in tests/security/table.py for: {x}" for x in missing]
        + [f"row matches no operation or page: {x}" for x in stale]
        + [f"row given twice: {x}" for x in duplicated]
    )
    assert not problems, "\n".join(problems)


@pytest.mark.django_db  # marks the database as needed; the world fixture holds the data
@pytest.mark.parametrize("who", IDENTITIES)
def test_each_identity_gets_what_the_table_says(world: World, who: str) -> None:
    mismatches = []
    observed = []
    clients = {True: client_for(world, who, api=True), False: client_for(world, who, api=False)}
    if who == "D":  # one phone, one pass cookie, for the API and the pages alike
        clients[False] = clients[True]
    for entry in TABLE:
        for inside in (True, False) if entry.scoped(world) else (True,):
            expected = entry.expected(who, inside)
            if expected == "-":
                continue
            client = clients[entry.is_api]
            if entry.kind == "session":  # signing out (or in) must not change the rows after it
                client = client_for(world, who, api=entry.is_api)
            response = call(entry, world, who, inside, client)
            got = judged(entry, response)
            observed.append((entry, inside, got, response.status_code))
            if got != expected:
                where = "inside" if inside else "outside"
                error = getattr(response, "exc_info", None)
                mismatches.append(
                    f"{entry} ({where}): expected {expected}, got {got} "
                    f"(HTTP {response.status_code}{f': {error[1]!r}' if error else ''})"
                )
    if os.environ.get("PERMISSION_TABLE_OBSERVE"):
        with Path(os.environ["PERMISSION_TABLE_OBSERVE"] + f".{who}").open("w") as out:
            for entry, inside, got, status in observed:
                out.write(f"{entry}\t{int(inside)}\t{got}\t{status}\n")
    assert not mismatches, f"{NAMES[who]}:\n" + "\n".join(mismatches)
