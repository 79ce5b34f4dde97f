"""Views of core's own: the web app manifest (a phone's 添加到主屏幕 — issue 16)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

THEME_COLOUR = "#b3261e"  # app.css --brand
BACKGROUND_COLOUR = "#f5f7fa"  # app.css --bg


@require_safe
@cache_control(max_age=3600, public=True)
def web_manifest(request: HttpRequest) -> HttpResponse:
    """Name, icons and colours of Jishi installed as an app, in the reader's language; open to anyone (a browser
    fetches the manifest without the session)."""
    manifest = {
        "name": gettext("记实"),
        "short_name": gettext("记实"),
        "lang": "zh-CN" if (get_language() or "").startswith("zh") else "en",
        "start_url": reverse("records:today"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": static(f"jishi/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
            for size in (192, 512)
        ]
        + [{"src": static("jishi/icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return HttpResponse(json.dumps(manifest, ensure_ascii=False), content_type="application/manifest+json")
