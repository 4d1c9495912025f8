"""The counters and histograms the app servers update as they work.

Imported by the hot paths (the WSGI wrapper, the check-in API), so it holds nothing but the
instruments: prometheus-client picks its storage (in-process or the shared multiprocess folder)
from PROMETHEUS_MULTIPROC_DIR when this module is first imported.
"""

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "diemcau_http_requests_total",
    "HTTP requests answered, by route pattern, method and status class.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "diemcau_http_request_seconds",
    "Time to answer an HTTP request, by route pattern.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CHECKINS = Counter(
    "diemcau_checkins_total",
    "Check-in scans judged by the server, by outcome (accepted, duplicate, rejected).",
    ["outcome"],
)
for _outcome in ("accepted", "duplicate", "rejected"):
    CHECKINS.labels(_outcome)  # each series exists from the start, at 0
