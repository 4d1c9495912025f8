"""WSGI entry point: diemcau is served by granian in WSGI mode (ASGI is ~8× slower here).

Heartbeats from callers Django has just accepted are answered in front of Django
(operations/fastpath.py); every other request goes through Django as usual. Outermost, every
request is counted and timed for /metrics (metrics/wsgi.py).
"""

import os
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
application: Any = get_wsgi_application()

if os.environ.get("DIEMCAU_HEARTBEAT_FASTPATH", "1") != "0":  # "0": every beat through Django
    from diemcau.operations import fastpath

    application = fastpath.wrap(application)
if os.environ.get("DIEMCAU_SUBMIT_FASTPATH", "1") != "0":  # "0": every quiz submission via Django
    from diemcau.assessment.delegate.api import wrap_submit

    application = wrap_submit(application)
if os.environ.get("DIEMCAU_METRICS", "1") != "0":  # "0": no request counting at all
    from diemcau.metrics.wsgi import wrap as count_requests

    application = count_requests(application)
