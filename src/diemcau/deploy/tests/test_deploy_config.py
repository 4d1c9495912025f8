"""The deployment files as an IT office would use them: nginx accepts the front as written, the
units start the commands that exist, the database allows the connections the plan needs."""

import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from diemcau.deploy.cli import deploy_config_cmd
from diemcau.deploy.files import Plan, render
from diemcau.streaming import harness


def _write(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "deploy"
    result = CliRunner().invoke(deploy_config_cmd, ["-o", str(out), *args])
    assert result.exit_code == 0, result.output
    return out


def _nginx_accepts(front: str, tmp_path: Path) -> None:
    binary = harness.nginx_binary()
    if binary is None:
        pytest.fail(harness.MISSING.format(name="nginx"), pytrace=False)
    run = tmp_path / "nginx"
    run.mkdir()
    conf = run / "nginx.conf"
    conf.write_text(
        f"pid nginx.pid;\nevents {{}}\nhttp {{\naccess_log {run}/access.log;\n{front}\n}}\n",
        encoding="utf-8",
    )
    check = subprocess.run(  # noqa: S603 - the nginx binary on PATH
        [binary, "-t", "-p", str(run), "-e", str(run / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr


def _self_signed(folder: Path, host: str) -> None:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (folder / f"{host}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / f"{host}.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def test_the_front_for_three_app_servers_is_accepted_by_nginx(tmp_path: Path) -> None:
    out = _write(
        tmp_path,
        "--public-url",
        "https://hoinghi.example.gov.vn",
        "--app-host",
        "10.0.0.11",
        "--app-host",
        "10.0.0.12",
        "--app-host",
        "10.0.0.13:8002",
    )
    front = (out / "nginx-diemcau.conf").read_text()
    assert front.count("max_fails=3") == 3 and "10.0.0.13:8002" in front
    assert "10.0.0.11:8001" in front and "return 301 https://$host$request_uri" in front
    certs = tmp_path / "certs"
    certs.mkdir()
    _self_signed(certs, "hoinghi.example.gov.vn")
    front = front.replace("/etc/ssl/diemcau", str(certs)).replace("/var/log/nginx", str(tmp_path))
    _nginx_accepts(front, tmp_path)


def test_the_units_run_commands_that_exist_and_keep_secrets_private(tmp_path: Path) -> None:
    out = _write(tmp_path, "--public-url", "https://hoinghi.example.gov.vn")
    env = out / "diemcau.env"
    assert env.stat().st_mode & 0o077 == 0
    values = dict(
        line.split("=", 1)
        for line in env.read_text().splitlines()
        if "=" in line and line[0] != "#"
    )
    assert values["DIEMCAU_PUBLIC_URL"] == "https://hoinghi.example.gov.vn"
    assert values["DIEMCAU_BEHIND_PROXY"] == "1" and values["DIEMCAU_DEMO"] == "0"
    assert len(values["DIEMCAU_METRICS_TOKEN"]) >= 24
    app = (out / "diemcau-app@.service").read_text()
    assert "diemcau.wsgi:application" in app and "PROMETHEUS_MULTIPROC_DIR" in app
    worker = (out / "diemcau-worker@.service").read_text()
    assert "diemcau worker --id %H-%i" in worker
    # Every `diemcau …` command a unit starts is one the CLI knows.
    from diemcau.cli import main

    for unit in out.glob("*.service"):
        for command in re.findall(r"/bin/diemcau (\S+)", unit.read_text()):
            assert command in main.commands, f"{unit.name}: diemcau {command}"


def test_the_database_allows_every_connection_the_plan_opens() -> None:
    plan = Plan(public_url="https://x.vn", app_hosts=("a", "b", "c"), processes=4, threads=32)
    conf = render(plan)["postgresql.conf.diemcau"]
    allowed = int(re.search(r"max_connections = (\d+)", conf).group(1))
    assert allowed >= 3 * 4 * 32 + 3  # every request thread, every worker
    assert "archive_mode = on" in conf
