"""Django's form renderer with its commonest templates written in Python (settings.FORM_RENDERER).

A form is rendered template by template: each widget, each select option, each label and each (usually empty) error
list is a template of its own. The record form that people fill in every day is thirteen widgets and about 35 such
renders, a quarter of the page's time (bench/RESULTS.md, fifth session). For the templates below this renderer writes
exactly what Django's templates write — `core/tests/test_forms.py` renders every kind of widget, and every page of
Jishi's with a form, both ways and compares them — and gives every other template (radio buttons, file inputs, the
admin's) to Django's renderer.
Escaping follows the template engine: values escaped unless already safe, translations and labels as Django built them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData
from django.utils.timezone import template_localtime

INPUTS = (
    *("checkbox", "color", "date", "datetime", "email", "hidden", "number", "password", "search", "tel", "text"),
    *("time", "url"),
)


class FormRenderer(DjangoTemplates):
    """DjangoTemplates, writing inputs, selects, textareas, labels and error lists without the template engine."""

    def render(self, template_name: str, context: Mapping[str, Any], request: Any = None) -> str:
        write = _WRITERS.get(template_name)
        if write is not None:
            try:
                return write(context).strip()  # as BaseRenderer.render strips what a template gives
            except _Unwritten:
                pass
        return super().render(template_name, context, request)


def _value(value: Any) -> str:
    """`{{ value }}`: localised, then escaped unless safe (render_value_in_context)."""
    value = localize(template_localtime(value))
    if not isinstance(value, str):
        value = str(value)
    return str(conditional_escape(value))


def _formatted(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`: "%s" % value, escaped unless the value was safe (the filter keeps safety)."""
    text = str(value)
    return text if isinstance(value, SafeData) else str(escape(text))


def _attrs(attrs: Mapping[str, Any]) -> str:
    """django/forms/widgets/attrs.html: ` name="value"`, ` name` for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_value(name)}" if value is True else f' {_value(name)}="{_formatted(value)}"')
    return "".join(parts)


def _input(context: Mapping[str, Any]) -> str:
    widget = context["widget"]
    value = "" if widget["value"] is None else f' value="{_formatted(widget["value"])}"'
    return f'<input type="{_value(widget["type"])}" name="{_value(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _option(option: Mapping[str, Any]) -> str:
    return (
        f'<option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>{_value(option["label"])}</option>\n'
    )


def _select(context: Mapping[str, Any]) -> str:
    widget = context["widget"]
    parts = [f'<select name="{_value(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_value(group_name)}">')
        for option in options:
            if option["template_name"] != "django/forms/widgets/select_option.html":
                raise _Unwritten
            parts.append(f"\n  {_option(option)}")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _textarea(context: Mapping[str, Any]) -> str:
    widget = context["widget"]
    value = _value(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_value(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _label(context: Mapping[str, Any]) -> str:
    label = _value(context["label"])
    if not context["use_tag"]:
        return label
    tag = _value(context["tag"])
    return f"<{tag}{_attrs(context['attrs'] or {})}>{label}</{tag}>"


def _errors(context: Mapping[str, Any]) -> str:
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    at = f' id="{_value(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{_value(error)}</li>" for error in errors)
    return f'<ul class="{_value(context["error_class"])}"{at}>{items}</ul>'


class _Unwritten(Exception):
    """A case this renderer does not write (an option with a template of its own): Django's renderer writes it."""


_WRITERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    **{f"django/forms/widgets/{kind}.html": _input for kind in INPUTS},
    "django/forms/widgets/select.html": _select,
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _errors,
    "django/forms/errors/list/ul.html": _errors,
}
