"""Settings for benchmark servers: production settings plus the floor views (bare Django, no Jishi rules)."""

from config.settings.prod import *  # noqa: F403

ROOT_URLCONF = "bench.floor_urls"
