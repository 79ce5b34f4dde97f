"""Development and demo: SQLite by default, a fixed development key, debug on unless switched off."""

from config.env import env, env_bool

from .base import *  # noqa: F403

SECRET_KEY = env("JISHI_SECRET_KEY") or "dev-only-insecure-key-do-not-use-in-production"
DEBUG = env_bool("JISHI_DEBUG", True)
