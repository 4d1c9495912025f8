"""nginx configs for the origin and the relays, from the templates in data/.

Placeholders are @@NAME@@ rather than $name or {name}, which nginx itself uses everywhere.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

_TEMPLATES = Path(__file__).with_name("data")  # packaged as data/*
_SIGNED = r"/live/(?<dc_st>[A-Za-z0-9_-]{22})/(?<dc_e>[0-9]{1,12})/(?<dc_site>[^/]{1,64})"
_STREAM = r"/(?<dc_stream>[A-Za-z0-9_-]{1,64})/(?<dc_file>(?:[A-Za-z0-9_-]{1,32}/)?"
PLAYLIST_RE = "^" + _SIGNED + _STREAM + r"[A-Za-z0-9_.-]{1,64}\.m3u8)$"
SEGMENT_RE = "^" + _SIGNED + _STREAM + r"[A-Za-z0-9_.-]{1,64}\.(?:ts|m4s|mp4|aac))$"


@dataclass
class NginxParams:
    role: str  # "origin" or "relay"
    listen: str
    run_dir: Path
    conf_path: Path
    secret: str
    key_versions: dict[str, int] = field(default_factory=dict)
    hls_root: Path | None = None  # origin
    origin_url: str = ""  # relay
    relay_code: str = ""
    workers: int = 1
    cache_size: str = "20g"  # relay: disk for cached segments (the DVR window and recordings)
    cache_inactive: str = "24h"  # relay: a segment nobody asked for this long leaves the cache


def _fill(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        text = text.replace(f"@@{name}@@", value)
    left = re.findall(r"@@[A-Z_]+@@", text)
    if left:
        raise ValueError(f"unfilled placeholders: {sorted(set(left))}")
    return text


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def origin_upstream(url: str) -> str:
    """proxy_pass in a regex location takes scheme://host:port only; the URI passes unchanged."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"origin URL must be http(s)://host:port, not {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def render(params: NginxParams) -> str:
    if params.role not in ("origin", "relay"):
        raise ValueError(f"role must be origin or relay, not {params.role!r}")
    if not re.fullmatch(r"[1-9][0-9]{0,6}[kKmMgG]?", params.cache_size):
        raise ValueError(f"cache size must look like 20g, not {params.cache_size!r}")
    if not re.fullmatch(r"[1-9][0-9]{0,6}[smhd]", params.cache_inactive):
        raise ValueError(f"cache time must look like 24h, not {params.cache_inactive!r}")
    check = _fill((_TEMPLATES / "check.conf.in").read_text(), {"SECRET": params.secret})
    role_values = {
        "LISTEN": params.listen,
        "PLAYLIST_RE": PLAYLIST_RE,
        "SEGMENT_RE": SEGMENT_RE,
        "CHECK": check.rstrip("\n"),
        "RUN_DIR": str(params.run_dir),
    }
    if params.role == "origin":
        if params.hls_root is None:
            raise ValueError("the origin needs the HLS folder")
        role_values["HLS_ROOT"] = str(params.hls_root)
    else:
        role_values["ORIGIN"] = origin_upstream(params.origin_url)
        role_values["CACHE_SIZE"] = params.cache_size
        role_values["CACHE_INACTIVE"] = params.cache_inactive
    role_block = _fill((_TEMPLATES / f"{params.role}.conf.in").read_text(), role_values)
    versions = "\n".join(
        f"        {_quote(site)} {int(version)};"
        for site, version in sorted(params.key_versions.items())
    )
    note = f" --relay {params.relay_code}" if params.relay_code else ""
    return _fill(
        (_TEMPLATES / "common.conf.in").read_text(),
        {
            "ROLE": params.role,
            "RELAY_NOTE": note,
            "RUN_DIR": str(params.run_dir),
            "CONF": str(params.conf_path),
            "WORKERS": str(params.workers),
            "KEY_VERSIONS": versions,
            "ROLE_BLOCK": role_block.rstrip("\n"),
        },
    )


def prepare_run_dir(run_dir: Path) -> None:
    """nginx refuses to start when its temp folders are missing; it does not create parents."""
    for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi", "cache", "logs"):
        (run_dir / sub).mkdir(parents=True, exist_ok=True)


def write_config(params: NginxParams) -> Path:
    prepare_run_dir(params.run_dir)
    params.conf_path.parent.mkdir(parents=True, exist_ok=True)
    params.conf_path.write_text(render(params))
    params.conf_path.chmod(0o600)  # it holds the signing secret
    return params.conf_path
