"""The files of a deployment: systemd units for the app servers, the workers and the ingest,
the nginx front, the environment they share, PostgreSQL and PgBouncer settings, and a page that
says where each goes.

Sizing comes from the plan's own numbers: each app-server process keeps one database connection
per request thread (CONN_MAX_AGE), so the database must allow
servers × processes × threads + workers + room for the operators; past a few hundred, PgBouncer
in transaction mode sits in between (with Django's server-side cursors off).
"""

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

APP_PORT = 8001


@dataclass(frozen=True)
class Plan:
    public_url: str
    app_hosts: tuple[str, ...] = ("127.0.0.1",)
    processes: int = 2
    threads: int = 16
    workers_per_host: int = 1
    database_url: str = "postgres://diemcau:MAT_KHAU@10.0.0.5:5432/diemcau"
    redis_url: str = "redis://10.0.0.6:6379/0"
    install_dir: str = "/opt/diemcau"
    data_dir: str = "/srv/diemcau/data"
    static_root: str = "/srv/diemcau/static"
    user: str = "diemcau"
    pgbouncer: bool = False
    metrics_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @property
    def host(self) -> str:
        return urlsplit(self.public_url).hostname or "localhost"

    @property
    def tls(self) -> bool:
        return urlsplit(self.public_url).scheme == "https"

    @property
    def app_connections(self) -> int:
        return len(self.app_hosts) * self.processes * (self.threads + 1)  # + each flusher

    @property
    def max_connections(self) -> int:
        workers = len(self.app_hosts) * self.workers_per_host
        return self.app_connections + workers + 20  # operators, backups, monitoring


ENV = Template("""\
# diemcau: the environment every unit reads (EnvironmentFile=). Mode 0600: it holds secrets.
DATABASE_URL=$database_url
REDIS_URL=$redis_url
DIEMCAU_DATA_DIR=$data_dir
DIEMCAU_PUBLIC_URL=$public_url
DIEMCAU_ALLOWED_HOSTS=$host
DIEMCAU_CSRF_TRUSTED_ORIGINS=$origin
DIEMCAU_BEHIND_PROXY=1
DIEMCAU_DEMO=0
DIEMCAU_STATIC_ROOT=$static_root
DIEMCAU_METRICS_TOKEN=$metrics_token
# The ingest's --out on the origin: session recordings are cut there (by the ingest).
DIEMCAU_STREAM_HLS_ROOT=/srv/hls
# Set once and keep (a new key makes stored national-ID hashes and printed badges unverifiable):
# DIEMCAU_SECRET_KEY=
# DIEMCAU_PII_KEY=
# DIEMCAU_BADGE_KEY=
$pgbouncer_env""")

APP_UNIT = Template("""\
# diemcau app server: one instance per port (systemctl enable --now diemcau-app@$port).
# Stateless: live state, caches and rate limits are in Redis, jobs in the database queue.
[Unit]
Description=diemcau app server on port %i
After=network-online.target
Wants=network-online.target

[Service]
User=$user
Group=$user
WorkingDirectory=$install_dir
EnvironmentFile=/etc/diemcau/diemcau.env
# Request counters of this instance's processes, shared for /metrics, fresh at each start.
Environment=PROMETHEUS_MULTIPROC_DIR=/run/diemcau-app-%i/metrics
RuntimeDirectory=diemcau-app-%i
ExecStartPre=/bin/mkdir -p /run/diemcau-app-%i/metrics
ExecStart=$install_dir/.venv/bin/python -m granian --interface wsgi --host 0.0.0.0 --port %i \\
    --workers $processes --blocking-threads $threads --no-ws diemcau.wsgi:application
Restart=always
RestartSec=2
KillSignal=SIGTERM
TimeoutStopSec=30
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
""")

WORKER_UNIT = Template("""\
# diemcau background-job worker (imports, exports, reports, certificates): any number per host
# (systemctl enable --now diemcau-worker@1 diemcau-worker@2). The name %H-%i stays the same
# across restarts, so a worker killed mid-job fails that job when it starts again.
[Unit]
Description=diemcau worker %i
After=network-online.target

[Service]
User=$user
Group=$user
WorkingDirectory=$install_dir
EnvironmentFile=/etc/diemcau/diemcau.env
ExecStart=$install_dir/.venv/bin/diemcau worker --id %H-%i
Restart=always
RestartSec=2
KillSignal=SIGTERM
TimeoutStopSec=600

[Install]
WantedBy=multi-user.target
""")

INGEST_UNIT = Template("""\
# diemcau ingest: the studio's RTMP feed cut into HLS on the origin (one per stream).
# Edit --input/--stream to the studio's; see README "Live video".
[Unit]
Description=diemcau HLS ingest
After=network-online.target

[Service]
User=$user
Group=$user
WorkingDirectory=$install_dir
EnvironmentFile=/etc/diemcau/diemcau.env
ExecStart=$install_dir/.venv/bin/diemcau stream ingest --input rtmp://0.0.0.0:1935/live/KHOA \\
    --out /srv/hls --stream hoi-nghi
Restart=always
RestartSec=1

[Install]
WantedBy=multi-user.target
""")

NGINX = Template("""\
# diemcau front: TLS, static files, and the app servers behind one name.
# nginx -t && systemctl reload nginx
upstream diemcau_app {
    least_conn;
$servers
    keepalive 64;
}

$redirect
server {
$listen
    server_name $host;
$tls_lines
    client_max_body_size 55m;            # a little above DIEMCAU_UPLOAD_MAX_MB
    access_log /var/log/nginx/diemcau.access.log;

    location /static/ {
        alias $static_root/;             # diemcau manage collectstatic fills it
        expires 7d;
        add_header Cache-Control "public";
        access_log off;
    }
    location = /metrics {                # the monitoring system only (it also needs the token)
        allow 10.0.0.0/8;
        deny all;
        proxy_pass http://diemcau_app;
        proxy_set_header Host $$host;
    }
    location / {
        proxy_pass http://diemcau_app;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $$host;
        proxy_set_header X-Forwarded-For $$proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $$scheme;
        proxy_connect_timeout 3s;
        proxy_read_timeout 120s;         # report and export pages; long jobs run on workers
        # A server that died: try the next one for requests that are safe to repeat (nginx
        # never repeats a POST unless told to; check-ins and heartbeats retry from the client).
        proxy_next_upstream error timeout http_502 http_503;
        proxy_next_upstream_tries 2;
    }
}
""")

POSTGRES = Template("""\
# postgresql.conf — the settings that matter for diemcau ($app_hosts_n app servers × $processes
# processes × $threads threads keep $app_connections connections; + workers + operators).
max_connections = $max_connections
shared_buffers = 4GB                      # ~25 % of the database server's memory
effective_cache_size = 12GB               # ~75 %
work_mem = 16MB
maintenance_work_mem = 512MB
synchronous_commit = on                   # a check-in acknowledged is a check-in kept
wal_level = replica
max_wal_senders = 5
wal_keep_size = 2GB
hot_standby = on
# Point-in-time recovery: archive every WAL segment (or use pgBackRest / WAL-G).
archive_mode = on
archive_command = 'test ! -f /srv/wal/%f && cp %p /srv/wal/%f'
checkpoint_timeout = 15min
max_wal_size = 8GB
random_page_cost = 1.1                    # SSD
# The standby: pg_basebackup -h PRIMARY -D /var/lib/postgresql/15/main -R -X stream
""")

PGBOUNCER = Template("""\
; pgbouncer.ini — when the app servers' connections outgrow the database's limit.
; Transaction pooling: set DIEMCAU_DB_POOLER=1 (Django's server-side cursors off).
[databases]
diemcau = host=10.0.0.5 port=5432 dbname=diemcau

[pgbouncer]
listen_addr = 0.0.0.0
listen_port = 6432
auth_type = scram-sha-256
auth_file = /etc/pgbouncer/userlist.txt
pool_mode = transaction
max_client_conn = $app_connections
default_pool_size = 100
server_reset_query =
""")

LAYOUT = Template("""\
# Where each file goes

Written by `diemcau deploy-config` for $public_url: $app_hosts_n app server(s)
($app_hosts), $processes processes × $threads threads each.

| file | where | on |
|---|---|---|
| diemcau.env | /etc/diemcau/diemcau.env (0600, owner $user) | every app and worker host |
| diemcau-app@.service | /etc/systemd/system/ | app hosts: `enable --now diemcau-app@$port` |
| diemcau-worker@.service | /etc/systemd/system/ | app hosts: `enable --now diemcau-worker@1` |
| diemcau-ingest.service | /etc/systemd/system/ | the origin (studio side) |
| nginx-diemcau.conf | /etc/nginx/conf.d/ | the front |
| postgresql.conf.diemcau | append to postgresql.conf | the primary (and the standby) |
| pgbouncer.ini | /etc/pgbouncer/ | between app hosts and the database, when used |

Once, on one app host: `diemcau manage migrate`, `diemcau load-units`,
`diemcau manage collectstatic --noinput` (into $static_root, served by nginx; copy it to the
front), `diemcau user add …`. Relays: one per province or group of provinces,
`diemcau stream relay CODE --url … --provinces …` then `diemcau stream nginx-config --role relay
--relay CODE` on each relay. Backups: `diemcau backup` nightly from cron, WAL archiving as in
postgresql.conf.diemcau. Monitoring: scrape https://$host/metrics with
`Authorization: Bearer <DIEMCAU_METRICS_TOKEN>`.

The layout: N app servers (stateless, behind the front) · 1 PostgreSQL primary + 1 streaming
standby · 1 Redis · workers beside the app servers · the origin and one relay per province.
""")


def _with_port(host: str) -> str:
    """`10.0.0.11` → `10.0.0.11:8001`; `10.0.0.11:8002` stays (two servers on one machine)."""
    return host if ":" in host else f"{host}:{APP_PORT}"


def render(plan: Plan) -> dict[str, str]:
    """File name → content."""
    origin = f"{urlsplit(plan.public_url).scheme}://{plan.host}"
    values = {
        **{k: getattr(plan, k) for k in plan.__dataclass_fields__},
        "host": plan.host,
        "origin": origin,
        "port": APP_PORT,
        "app_hosts": ", ".join(plan.app_hosts),
        "app_hosts_n": len(plan.app_hosts),
        "app_connections": plan.app_connections,
        "max_connections": plan.max_connections,
        "pgbouncer_env": "DIEMCAU_DB_POOLER=1\n" if plan.pgbouncer else "",
    }
    servers = "\n".join(
        f"    server {_with_port(h)} max_fails=3 fail_timeout=10s;" for h in plan.app_hosts
    )
    if plan.tls:
        # `listen … http2` rather than `http2 on;`: Debian 12's nginx (1.22) knows only the former.
        listen = "    listen 443 ssl http2;"
        tls_lines = (
            f"    ssl_certificate /etc/ssl/diemcau/{plan.host}.crt;\n"
            f"    ssl_certificate_key /etc/ssl/diemcau/{plan.host}.key;\n"
            "    ssl_protocols TLSv1.2 TLSv1.3;\n"
            "    ssl_session_cache shared:diemcau:10m;\n"
        )
        redirect = (
            "server {\n    listen 80;\n"
            f"    server_name {plan.host};\n"
            "    return 301 https://$host$request_uri;\n}\n"
        )
    else:
        listen, tls_lines, redirect = "    listen 80;", "", ""
    files = {
        "diemcau.env": ENV.substitute(values),
        "diemcau-app@.service": APP_UNIT.substitute(values),
        "diemcau-worker@.service": WORKER_UNIT.substitute(values),
        "diemcau-ingest.service": INGEST_UNIT.substitute(values),
        "nginx-diemcau.conf": NGINX.substitute(
            values, servers=servers, listen=listen, tls_lines=tls_lines, redirect=redirect
        ),
        "postgresql.conf.diemcau": POSTGRES.substitute(values),
        "LAYOUT.md": LAYOUT.substitute(values),
    }
    if plan.pgbouncer:
        files["pgbouncer.ini"] = PGBOUNCER.substitute(values)
    return files


def write(plan: Plan, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render(plan).items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        if name == "diemcau.env":
            path.chmod(0o600)
        written.append(path)
    return written
