"""Settings for the processes of the backup test: the test settings, with uploads on disk where the test says."""

import os
from pathlib import Path

from config.settings.test import *  # noqa: F403

MEDIA_ROOT = Path(os.environ["JISHI_TEST_MEDIA_ROOT"])
STORAGES = {**STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}  # noqa: F405
