"""Production: every value that must be chosen is required, and start-up fails loudly without it."""

from config.env import env_bool, env_list, env_required

from .base import *  # noqa: F403

SECRET_KEY = env_required("JISHI_SECRET_KEY")
env_required("DATABASE_URL")
ALLOWED_HOSTS = env_list("JISHI_ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    env_required("JISHI_ALLOWED_HOSTS")
DEBUG = False
SESSION_COOKIE_SECURE = env_bool("JISHI_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
