"""The security probe of issue 16, repeated against a real server: what an attacker tries.

Starts `diemcau up` (demo conference loaded, two workers) in a throwaway data folder and asks
the questions the probe asked before the change, printing JSON figures:

- sign-in: 50 wrong passwords in a row at /login/ and at /admin/login/ (how many before the
  lockout answers, and whether the right password still works right after), 50 random bearer
  tokens at /api/v1/me, a weak password through `diemcau user add`;
- two-factor: where a central organiser's session lands after the password;
- files: a site named with a formula, exported as CSV by the API; a 60 MB upload; an XLSX of
  1.6 MB that expands to ~420 MB (the workers' peak memory before and after);
- the five requests that answered 500;
- headers on the login page.

Run: `.venv/bin/python bench/probe_security.py` (add DATABASE_URL=postgres://… for PostgreSQL).
The baseline is the probe's own figures from before the change, quoted in bench/README.md.
"""

import argparse
import io
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import requests
from common import add_out_argument, free_port, save, stop, throwaway_data, wait_up

ROOT = Path(__file__).resolve().parent.parent
DIEMCAU = str(ROOT / ".venv" / "bin" / "diemcau")
PASSWORD = "Probe-" + secrets.token_urlsafe(12)
FORMULAS = ['=HYPERLINK("http://x","y")', "=1+1", "+1+1", "@SUM(A1)", "=cmd|' /C calc'!A0"]


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command, fixed argv
        [DIEMCAU, *args], capture_output=True, text=True, check=check, timeout=300
    )


def _csrf(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    return found.group(1) if found else session.cookies.get("csrftoken", "")


def login(base: str, path: str, username: str, password: str) -> tuple[int, str, bool]:
    """One sign-in attempt from a fresh browser: (status, final path, signed in)."""
    session = requests.Session()
    token = _csrf(session, base + path)
    answer = session.post(
        base + path,
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": base + path},
        timeout=30,
    )
    final = answer.url.removeprefix(base)
    return answer.status_code, final, "sessionid" in session.cookies


def probe_logins(base: str, path: str, username: str) -> dict[str, Any]:
    statuses: dict[str, int] = {}
    first_refusal = None
    for attempt in range(1, 51):
        status, _, _ = login(base, path, username, "wrong-" + str(attempt))
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        if status in (403, 429) and first_refusal is None:
            first_refusal = attempt
    status, final, signed_in = login(base, path, username, PASSWORD)
    return {
        "wrong_attempts": 50,
        "statuses": statuses,
        "locked_from_attempt": first_refusal,
        "right_password_after": {"status": status, "landed_on": final, "signed_in": signed_in},
    }


def probe_tokens(base: str, good: str) -> dict[str, Any]:
    statuses: dict[str, int] = {}
    for _ in range(50):
        answer = requests.get(
            base + "/api/v1/me",
            headers={"Authorization": "Bearer dc_" + secrets.token_urlsafe(32)},
            timeout=30,
        )
        statuses[str(answer.status_code)] = statuses.get(str(answer.status_code), 0) + 1
    after = requests.get(
        base + "/api/v1/me", headers={"Authorization": f"Bearer {good}"}, timeout=30
    )
    return {"random_tokens": 50, "statuses": statuses, "valid_token_after": after.status_code}


def probe_csv(base: str, token: str, site_code: str) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {token}"}
    inert = {}
    for formula in FORMULAS:
        requests.patch(
            f"{base}/api/v1/sites/{site_code}", json={"name": formula}, headers=auth, timeout=30
        ).raise_for_status()
        csv_text = requests.get(
            f"{base}/api/v1/sites/export?format=csv&q={site_code}", headers=auth, timeout=60
        ).content.decode("utf-8-sig")
        cells = [c.strip('"') for line in csv_text.splitlines() for c in line.split(",")]
        inert[formula] = not any(c.startswith(("=", "+", "-", "@")) for c in cells if c)
    return {"formulas": len(FORMULAS), "exported_inert": sum(inert.values()), "each": inert}


def _workers_peak_kb(server_pid: int) -> int:
    """Peak resident memory (VmHWM) of the server's processes, the largest one."""
    peak = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        ppid = re.search(r"PPid:\s+(\d+)", text)
        pid = int(status.parent.name)
        if pid != server_pid and not (ppid and int(ppid.group(1)) == server_pid):
            continue
        hwm = re.search(r"VmHWM:\s+(\d+) kB", text)
        if hwm:
            peak = max(peak, int(hwm.group(1)))
    return peak


def xlsx_bomb() -> bytes:
    """A real XLSX whose one sheet expands to ~420 MB of XML: 1.6 MB on the wire."""
    buffer = io.BytesIO()
    row = (
        "<row>" + "".join(f'<c t="inlineStr"><is><t>x{i}</t></is></c>' for i in range(8)) + "</row>"
    )
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main"><sheetData>'
            )
            chunk = (row * 1000).encode()
            written = 0
            while written < 420 * 1024 * 1024:
                sheet.write(chunk)
                written += len(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def operator_session(base: str, username: str) -> requests.Session:
    session = requests.Session()
    token = _csrf(session, base + "/login/")
    session.post(
        base + "/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": base + "/login/"},
        timeout=30,
    )
    return session


def upload(session: requests.Session, base: str, name: str, payload: Any) -> dict[str, Any]:
    token = _csrf(session, base + "/delegates/import/")
    started = time.perf_counter()
    try:
        answer = session.post(
            base + "/delegates/import/",
            data={"csrfmiddlewaretoken": token, "dry_run": "on"},
            files={"file": (name, payload)},
            headers={"Referer": base + "/delegates/import/"},
            timeout=300,
        )
        status, text = answer.status_code, answer.text
        if "/tasks/" in answer.url:  # the import runs as a task: wait for its end
            for _ in range(600):
                state = session.get(answer.url + "?partial=1", timeout=30)
                text = state.text
                if "progress" not in text.lower() or "100%" in text:
                    break
                time.sleep(0.5)
    except requests.RequestException as exc:  # the server may close a refused upload early
        status, text = 0, type(exc).__name__
    words = re.sub(r"<[^>]+>", " ", text)
    lines = [m.strip() for m in words.split("\n")]
    message = next((m for m in lines if "quá lớn" in m or "Không nhập được" in m), "")
    return {
        "status": status,
        "seconds": round(time.perf_counter() - started, 2),
        "message": message[:200],
    }


def probe_files(base: str, server_pid: int, operator: str) -> dict[str, Any]:
    session = operator_session(base, operator)
    with tempfile.TemporaryFile() as big:
        line = b"Ho ten,So dien thoai,CCCD\n" + b"Nguyen Van A,0912345678,001099000001\n" * 10
        while big.tell() < 60 * 1024 * 1024:
            big.write(line)
        big.seek(0)
        too_big = upload(session, base, "60mb.csv", big)
    bomb = xlsx_bomb()
    before = _workers_peak_kb(server_pid)
    refused = upload(session, base, "bomb.xlsx", bomb)
    after = _workers_peak_kb(server_pid)
    return {
        "upload_60_mb": too_big,
        "xlsx_bomb": {
            "file_mb": round(len(bomb) / 1e6, 2),
            **refused,
            "worker_peak_mb_before": round(before / 1024),
            "worker_peak_mb_after": round(after / 1024),
        },
    }


def probe_server_errors(base: str, token: str) -> dict[str, int]:
    auth = {"Authorization": f"Bearer {token}"}
    calls = {
        "certificates_batch_unknown_conference": (
            "post",
            "/api/v1/assessment/certificates/batch",
            {"conference": 999, "unit": "01"},
        ),
        "completion_unknown_conference": (
            "get",
            "/api/v1/assessment/completion?conference=999&unit=01",
            None,
        ),
        "reports_queue_negative_offset": (
            "get",
            "/api/v1/assessment/conferences/1/reports/queue?offset=-1",
            None,
        ),
        "delegates_huge_offset": ("get", "/api/v1/delegates?offset=9421218878242079899648", None),
    }
    answers = {}
    for name, (method, path, body) in calls.items():
        answer = requests.request(method, base + path, json=body, headers=auth, timeout=60)
        answers[name] = answer.status_code
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_out_argument(parser, "probe_security.json")
    parser.add_argument("--runs", type=int, default=1, help="kept for the bench runner")
    args = parser.parse_args()
    with throwaway_data("probe", two_factor=True):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(  # noqa: S603 - fixed argv
            [DIEMCAU, "up", "--port", str(port), "--workers", "2", "--no-demo-day"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=os.environ.copy(),
        )
        try:
            wait_up(port, server, timeout=600)
            cli(
                "user",
                "add",
                "probe-central",
                "--role",
                "central_organiser",
                "--password",
                PASSWORD,
            )
            cli("user", "add", "probe-admin", "--role", "central_organiser", "--password", PASSWORD)
            token = cli("token", "probe-central").stdout.strip().splitlines()[-1]
            site = requests.get(
                base + "/api/v1/sites?limit=1",
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            ).json()["items"][0]["code"]
            cli(
                "user",
                "add",
                "probe-op",
                "--role",
                "site_operator",
                "--scope",
                site,
                "--password",
                PASSWORD,
            )
            weak = cli(
                "user",
                "add",
                "weak",
                "--role",
                "viewer",
                "--scope",
                "01",
                "--password",
                "a",
                check=False,
            )
            cli("user", "add", "probe-2fa", "--role", "central_organiser", "--password", PASSWORD)
            login_page = requests.get(base + "/login/", timeout=30)
            status, landed, _ = login(base, "/login/", "probe-2fa", PASSWORD)
            # Lockouts last: a lockout by address would hold the probe's own later requests.
            results: dict[str, Any] = {
                "database": "postgresql" if os.environ.get("DATABASE_URL") else "sqlite",
                "headers": {
                    h: login_page.headers.get(h, "")
                    for h in (
                        "Content-Security-Policy",
                        "X-Content-Type-Options",
                        "Referrer-Policy",
                        "X-Frame-Options",
                    )
                },
                "weak_password_cli": {"exit": weak.returncode, "says": weak.stderr.strip()[:200]},
                "organiser_after_password": {"status": status, "landed_on": landed},
                "csv_export": probe_csv(base, token, site),
                "server_errors": probe_server_errors(base, token),
                "files": probe_files(base, server.pid, "probe-op"),
                "web_login": probe_logins(base, "/login/", "probe-central"),
                "admin_login": probe_logins(base, "/admin/login/", "probe-admin"),
                "bearer_tokens": probe_tokens(base, token),
            }
        finally:
            stop(server)
    save(results, args.out)


if __name__ == "__main__":
    sys.exit(main())
