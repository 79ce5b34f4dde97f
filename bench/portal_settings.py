"""Settings for the portal benchmark's servers (bench/portal.py): the benchmark settings, with the portal's page cache
switched by JISHI_PORTAL_PAGE_CACHE (1, the default, on; 0 off: every hit renders)."""

import os

from bench.settings import *  # noqa: F403

JISHI_PORTAL_PAGE_CACHE = os.environ.get("JISHI_PORTAL_PAGE_CACHE", "1") != "0"
