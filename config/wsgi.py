"""WSGI entry point for gunicorn (`jishi serve`)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
application = get_wsgi_application()

# Everything loaded at start-up lives as long as the worker: keep it out of the garbage collector's scans.
gc.freeze()
