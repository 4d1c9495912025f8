"""`diemcau stream …`: configs nginx accepts, and an ingest that gives up with a reason."""

import json
import subprocess

import pytest
from click.testing import CliRunner

from diemcau.accounts.scopes import Scope
from diemcau.conftest import HANOI, HOAN_KIEM
from diemcau.streaming import harness
from diemcau.streaming.cli import stream_group
from diemcau.streaming.relays import save_relay
from diemcau.streaming.services import revoke_site


def _nginx_accepts(conf, run_dir) -> None:
    binary = harness.nginx_binary()
    if binary is None:
        pytest.fail(harness.MISSING.format(name="nginx"), pytrace=False)
    check = subprocess.run(  # noqa: S603 - the nginx binary on PATH
        [binary, "-t", "-p", str(run_dir), "-e", str(run_dir / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr


@pytest.mark.django_db
def test_nginx_config_for_origin_and_relay_is_complete_and_valid(tmp_path, make_site):
    save_relay("hn", "http://127.0.0.1:18080", [HANOI], 1000, True)
    make_site(HOAN_KIEM, code="HK-01")
    revoke_site(Scope(user_id=0, everything=True), "HK-01")
    runner = CliRunner()

    origin = tmp_path / "origin.conf"
    result = runner.invoke(
        stream_group,
        [
            "nginx-config",
            "--role",
            "origin",
            "--hls-root",
            str(tmp_path / "hls"),
            "-o",
            str(origin),
        ],
    )
    assert result.exit_code == 0, result.output
    text = origin.read_text()
    assert "listen 8090;" in text and "secure_link_md5" in text and '"HK-01" 2;' in text
    assert "remote_addr" not in text.split("http {")[1].split("log_format")[0]
    _nginx_accepts(origin, tmp_path / "nginx-origin")

    relay = tmp_path / "relay.conf"
    result = runner.invoke(
        stream_group,
        [
            "nginx-config",
            "--role",
            "relay",
            "--relay",
            "hn",
            "-o",
            str(relay),
            "--origin",
            "http://10.0.0.1:8090",
        ],
    )
    assert result.exit_code == 0, result.output
    text = relay.read_text()
    assert "listen 18080;" in text and "proxy_cache_lock on;" in text
    assert "proxy_pass http://10.0.0.1:8090;" in text and '"HK-01" 2;' in text
    _nginx_accepts(relay, tmp_path / "nginx-relay")

    unknown = runner.invoke(
        stream_group, ["nginx-config", "--role", "relay", "--relay", "x", "-o", str(relay)]
    )
    assert unknown.exit_code == 1


def test_ingest_gives_up_after_its_restarts_and_says_why(tmp_path):
    if harness.missing_engines():
        pytest.fail(harness.MISSING.format(name="ffmpeg"), pytrace=False)
    result = CliRunner().invoke(
        stream_group,
        [
            "ingest",
            "--input",
            str(tmp_path / "khong-co.mp4"),
            "--out",
            str(tmp_path),
            "--stream",
            "thu",
            "--rendition",
            "144p:144:150:32",
            "--max-restarts",
            "1",
            "--no-db",
        ],
    )
    assert result.exit_code == 1
    state = json.loads((tmp_path / "thu" / "state.json").read_text())
    assert (state["state"], state["restarts"]) == ("failed", 1)
    assert "khong-co.mp4" in state["detail"]


def test_a_bad_rendition_is_refused(tmp_path):
    result = CliRunner().invoke(
        stream_group,
        [
            "ingest",
            "--input",
            "testsrc",
            "--out",
            str(tmp_path),
            "--rendition",
            "720p:big",
            "--no-db",
        ],
    )
    assert result.exit_code == 2 and "720p:big" in result.output
