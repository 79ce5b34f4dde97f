"""Production: every value that must be chosen is required, and start-up fails loudly without it."""

from config.env import env, env_bool, env_list, env_required, strong_secret_key

from .base import *  # noqa: F403

SECRET_KEY = strong_secret_key(env_required("JISHI_SECRET_KEY"))
env_required("DATABASE_URL")
ALLOWED_HOSTS = env_list("JISHI_ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    env_required("JISHI_ALLOWED_HOSTS")
DEBUG = False
SESSION_COOKIE_SECURE = env_bool("JISHI_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True

# HTTPS only (`manage.py check --deploy` finds nothing to warn about; jishi/core/tests/test_security.py runs it).
# Browsers remember for a year to use nothing but HTTPS here, subdomains included unless switched off.
SECURE_HSTS_SECONDS = int(env("JISHI_HSTS_SECONDS", "31536000") or 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("JISHI_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("JISHI_HSTS_PRELOAD", False)
# Plain HTTP is redirected to HTTPS. Behind a proxy that ends TLS, name the header it sets (X-Forwarded-Proto: https)
# so Django knows the request was secure; only a proxy that always overwrites that header may be trusted with it.
SECURE_SSL_REDIRECT = env_bool("JISHI_SSL_REDIRECT", True)
_proxy_ssl_header = env("JISHI_PROXY_SSL_HEADER", "") or ""
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.strip().upper().replace("-", "_"), "https")
SILENCED_SYSTEM_CHECKS = []
if not SECURE_HSTS_PRELOAD:
    # The preload list (hstspreload.org) binds a whole registrable domain and every site under it for months, and is
    # undone only by hand: an office asks for it on purpose (JISHI_HSTS_PRELOAD=1), never by default.
    SILENCED_SYSTEM_CHECKS.append("security.W021")
if SECURE_HSTS_SECONDS and not SECURE_HSTS_INCLUDE_SUBDOMAINS:
    SILENCED_SYSTEM_CHECKS.append("security.W005")  # switched off on purpose (JISHI_HSTS_INCLUDE_SUBDOMAINS=0)
if not SECURE_SSL_REDIRECT:
    SILENCED_SYSTEM_CHECKS.append("security.W008")  # switched off on purpose: the proxy in front redirects to HTTPS
