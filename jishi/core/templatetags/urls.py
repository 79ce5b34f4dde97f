"""`{% url %}` as Django writes it, with integer arguments reversed through `jishi.core.urls.reverse_ids`.

Installed in TEMPLATES' builtins (config/settings/base.py), after Django's own, so every template's {% url %} is this
one. Anything but positional non-negative integers (strings, keyword arguments, `as var`) is Django's tag unchanged.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template import defaulttags
from django.utils.html import conditional_escape

from jishi.core.urls import reverse_ids

register = template.Library()


class URLNode(defaulttags.URLNode):
    def render(self, context: Any) -> str:
        if self.kwargs or self.asvar:
            return super().render(context)
        args = [arg.resolve(context) for arg in self.args]
        if not all(type(arg) is int and arg >= 0 for arg in args):
            return super().render(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = reverse_ids(self.view_name.resolve(context), args, current_app)
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: Any, token: Any) -> URLNode:
    node = defaulttags.url(parser, token)
    return URLNode(node.view_name, node.args, node.kwargs, node.asvar)
