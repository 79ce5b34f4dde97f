"""Read settings from the environment: safe defaults for development, loud failure where production needs a value."""

import os

from django.core.exceptions import ImproperlyConfigured


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} must be set in production.")
    return value


# The key config/settings/dev.py falls back to: known to everyone who has read the code.
DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY_HOWTO = 'python -c "import secrets; print(secrets.token_urlsafe(50))"'


def strong_secret_key(key: str) -> str:
    """The key, or ImproperlyConfigured if a forger could guess it (Django's security.W009 rules, and the dev key).

    Sessions, password-reset links and signed values rest on this key: production refuses to start with a weak one.
    """
    if key == DEV_SECRET_KEY:
        zh, en = "这是开发用的公开密钥", "it is the development key"
    elif key.startswith("django-insecure"):
        zh, en = "以 django-insecure 开头", "it starts with django-insecure"
    elif len(key) < 50:
        zh, en = f"只有 {len(key)} 个字符，至少要 50 个", f"it has {len(key)} characters, fewer than 50"
    elif len(set(key)) < 5:
        zh, en = "不同的字符少于 5 个", "it has fewer than 5 distinct characters"
    else:
        return key
    raise ImproperlyConfigured(
        f"JISHI_SECRET_KEY 太弱（{zh}），生产环境拒绝启动。请这样生成一个并设为 JISHI_SECRET_KEY：{SECRET_KEY_HOWTO}\n"
        f"JISHI_SECRET_KEY is too weak ({en}); production refuses to start. Generate one with: {SECRET_KEY_HOWTO}"
    )
