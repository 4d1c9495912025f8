"""`diemcau alerts check` runs one tick and says what it did; `diemcau alerts rules` lists."""

import json

import pytest
from click.testing import CliRunner

from diemcau.alerts import services
from diemcau.alerts.services import RuleIn
from diemcau.alerts.tests.conftest import EVERYTHING, beat, make_session, silence
from diemcau.cli import main
from diemcau.conftest import HANOI, HOAN_KIEM

pytestmark = pytest.mark.django_db


def test_check_sends_what_is_due_and_rules_lists_them(store, clock, make_site, sent):
    make_session("live")
    services.save_rule(EVERYTHING, None, RuleIn("TW", "technician", 1, 15))
    services.save_rule(EVERYTHING, None, RuleIn(HANOI, "province_organiser", 5, 30, False))
    make_site(HOAN_KIEM, code="CLI-1")
    beat("CLI-1")
    silence(clock, 70)
    runner = CliRunner()
    first = runner.invoke(main, ["alerts", "check"])
    assert first.exit_code == 0, first.output
    assert "Phiên đang diễn ra: có" in first.output and "đã gửi cảnh báo: 1" in first.output
    again = runner.invoke(main, ["alerts", "check"])
    assert "đã gửi cảnh báo: 0" in again.output
    assert [s.site.code for s in sent.sent] == ["CLI-1"]
    listed = json.loads(runner.invoke(main, ["alerts", "rules", "--json"]).output)
    assert {(r["unit"], r["recipient"], r["after_min"], r["enabled"]) for r in listed} == {
        ("TW", "technician", 1, True),
        (HANOI, "province_organiser", 5, False),
    }
