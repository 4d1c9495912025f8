"""WSGI entry point: diemcau is served by granian in WSGI mode (ASGI is ~8× slower here)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
application = get_wsgi_application()
