"""The headless agent against a real server: nothing lost offline, nothing counted twice."""

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from diemcau.accounts.services import issue_token
from diemcau.agent.cli import agent_group
from diemcau.agent.http import JsonClient
from diemcau.agent.outbox import Outbox, Outcome
from diemcau.agent.runner import Agent, TokenRefused
from diemcau.operations import livestate, services
from diemcau.operations.livestate import MemoryStore
from diemcau.questions.models import Question


def test_outbox_keeps_items_until_acknowledged_across_reopen(tmp_path: Path):
    path = tmp_path / "q.sqlite3"
    box = Outbox(path)
    ids = box.add_many("checkin", [{"badge": "A"}, {"badge": "B"}])
    box.failed(ids, "offline")
    box.close()
    box = Outbox(path)  # the PC was restarted
    items = box.take("checkin", 10)
    assert [i.body["badge"] for i in items] == ["A", "B"]
    box.acknowledge(
        "checkin", [Outcome(ids[0], "accepted"), Outcome(ids[1], "rejected", "unknown")]
    )
    assert box.pending()["checkin"] == 0
    assert box.outcome_counts() == {("checkin", "accepted"): 1, ("checkin", "rejected"): 1}
    assert box.rejections()[0][:3] == (ids[1], "checkin", "unknown")
    assert box.add("checkin", {"badge": "A"}, item_id=ids[0]) == ids[0]
    box.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_store(settings):
    settings.DIEMCAU_LIVE_FLUSHER = False
    services.site_cache.clear()
    store = MemoryStore()
    livestate.set_store(store)
    yield store
    livestate.set_store(None)
    services.site_cache.clear()


@pytest.fixture
def box(tmp_path: Path):
    with Outbox(tmp_path / "q.sqlite3") as outbox:
        yield outbox


@pytest.fixture
def operator(make_site, make_user):
    site = make_site(code="HK-AGENT")
    user = make_user("site_operator", site.code)
    return site, issue_token(user.username)


def test_offline_then_online_sends_each_question_once(
    live_db, live_server, live_store, operator, box
):
    site, token = operator
    box.add("question", {"site": site.code, "text": "Thủ tục chuyển công chức cấp xã thế nào?"})
    box.add("question", {"site": site.code, "text": "Kinh phí hoạt động của xã lấy từ đâu?"})

    dead = Agent(site.code, JsonClient(f"http://127.0.0.1:{_free_port()}", token), box)
    report = dead.tick()
    assert not report.online and box.pending()["question"] == 2
    assert dead.pause() > dead.interval  # backs off while the link is down

    agent = Agent(site.code, JsonClient(live_server.url, token), box)
    report = agent.tick()
    assert report.online and report.heartbeat and report.sent["question"] == 2
    assert box.pending()["question"] == 0
    assert Question.objects.filter(site=site).count() == 2
    assert live_store.latest(site.pk) is not None  # the heartbeat arrived

    # The answer was lost and the agent sends the same items again: still two questions.
    for q in Question.objects.filter(site=site):
        box.add("question", {"site": site.code, "text": q.text}, item_id=q.client_id)
    agent.tick()
    assert Question.objects.filter(site=site).count() == 2
    assert box.pending()["question"] == 0
    agent.client.close()


def test_a_refused_token_stops_the_agent(live_db, live_server, live_store, operator, box):
    site, _token = operator
    agent = Agent(site.code, JsonClient(live_server.url, "wrong"), box)
    with pytest.raises(TokenRefused):
        agent.tick()
    agent.client.close()


def test_cli_queues_scans_from_a_file_and_reports_bad_times(tmp_path: Path):
    scans = tmp_path / "scans.csv"
    scans.write_text("DC1:0000001Z:ABC\n\n0000002K,2025-06-14T07:30:00+07:00\n", encoding="utf-8")
    queue = tmp_path / "q.sqlite3"
    args = ["checkins", str(scans), "--site", "S1", "--session", "3", "--queue", str(queue)]
    result = CliRunner().invoke(agent_group, args)
    assert result.exit_code == 0, result.output
    with Outbox(queue) as outbox:
        items = outbox.take("checkin", 10)
    assert [i.body["badge"] for i in items] == ["DC1:0000001Z:ABC", "0000002K"]
    assert items[1].body["scanned_at"] == "2025-06-14T00:30:00+00:00"
    assert items[0].body["session"] == 3 and items[0].body["site"] == "S1"

    scans.write_text("0000002K,14/06/2025 7:30\n", encoding="utf-8")
    result = CliRunner().invoke(agent_group, args)
    assert result.exit_code != 0 and "ISO" in result.output


def test_client_ids_are_uuid7_in_time_order():
    from diemcau.agent.ids import uuid7

    first, second = uuid7(1_750_000_000_000), uuid7(1_750_000_000_001)
    assert first.version == 7 and second.version == 7
    assert first.variant == second.variant == "specified in RFC 4122"
    assert first < second and first.int >> 80 == 1_750_000_000_000
