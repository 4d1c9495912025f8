"""`/metrics` for a monitoring system (Prometheus text format): requests and latencies per route,
check-ins by outcome, sites by state (the operations dashboard's own figures), the task queue's
depth and age, the live store's backlog, database connections.

Request figures are counted in every app-server process; with PROMETHEUS_MULTIPROC_DIR set (as
`diemcau up` and the systemd units do) each process writes them to a shared folder and a scrape
of any process adds them up. The domain figures are read from the database at scrape time, so
every server answers the same.
"""
