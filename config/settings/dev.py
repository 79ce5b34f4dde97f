"""Development and demo: SQLite by default, a fixed development key, debug on unless switched off."""

from config.env import DEV_SECRET_KEY, env, env_bool

from .base import *  # noqa: F403

SECRET_KEY = env("JISHI_SECRET_KEY") or DEV_SECRET_KEY
DEBUG = env_bool("JISHI_DEBUG", True)
