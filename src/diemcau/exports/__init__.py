"""Lists out and back in: exporters of delegates, attendance and learning, and paper lists.

Exporters in the manner of pretix's: one registry (registry.py), each exporter naming what it
exports, the options it takes and the formats it writes. Every run is scoped (scoping.py), streams
its rows from the database in key order (streaming.py) and writes them with a bounded-memory
writer (writing.py); the UI, the API and the CLI all go through services.py.
"""
