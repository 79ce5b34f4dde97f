"""jishi.core.forms.FormRenderer writes exactly what Django's form templates write, for every case it takes on."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import Client, override_settings
from django.utils import translation
from django.utils.safestring import mark_safe

from jishi.core.forms import FormRenderer
from jishi.testing import Org

OURS, DJANGOS = FormRenderer(), DjangoTemplates()


class EveryWidget(forms.Form):
    text = forms.CharField(label="内容 <说明>", max_length=20, help_text="帮助")
    number = forms.IntegerField(min_value=1, required=False)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date", "data-x": 'a"b'}))
    moment = forms.TimeField(widget=forms.TimeInput(format="%H:%M"), required=False)
    email = forms.EmailField(required=False, disabled=True)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    agree = forms.BooleanField(required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "hx-post": "/x?a=1&b=2"}), required=False)
    kind = forms.ChoiceField(choices=[("", "全部"), ("a", "甲 & 乙"), (3, 3)], required=False)
    grouped = forms.ChoiceField(
        choices=[("", "—"), ("组一", [("1", "一"), ("2", "二")]), ("组<二>", [("3", "三")])], required=False
    )
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y")], required=False)
    radio = forms.ChoiceField(choices=[("r", "R")], widget=forms.RadioSelect, required=False)  # Django's renderer


VALUES: list[dict[str, Any]] = [
    {},
    {
        "text": mark_safe("<b>安全</b>"),
        "number": 5,
        "day": datetime.date(2026, 11, 27),
        "moment": datetime.time(9, 30),
        "secret": "p<w>",
        "hidden": "h&1",
        "agree": True,
        "note": "第一行 <script>\n第二行 & 'quotes'",
        "kind": "a",
        "grouped": "3",
        "many": ["x", "y"],
    },
]


def rendered(form: forms.Form) -> list[str]:
    out = [str(form.non_field_errors())]
    for field in form:
        out += [str(field), str(field.label_tag()), str(field.errors), str(field.legend_tag())]
    return [*out, str(form.as_div()), str(form.as_p())]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("initial", VALUES)
def test_unbound_forms_read_the_same(initial: dict[str, Any], language: str) -> None:
    with translation.override(language):
        assert rendered(EveryWidget(initial=initial, renderer=OURS)) == rendered(
            EveryWidget(initial=initial, renderer=DJANGOS)
        )


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"text": "x" * 30, "number": "零", "day": "2026-13-01", "email": "not-an-email", "kind": "nope"},
        {"text": "好", "day": "2026-11-27", "note": "<i>斜体</i>", "many": ["y"], "grouped": "1", "agree": "on"},
    ],
)
def test_bound_forms_with_and_without_errors_read_the_same(data: dict[str, Any]) -> None:
    ours, djangos = EveryWidget(data, renderer=OURS), EveryWidget(data, renderer=DJANGOS)
    ours.is_valid(), djangos.is_valid()
    ours.add_error(None, "整张表的错误 <与字段无关>")
    djangos.add_error(None, "整张表的错误 <与字段无关>")
    assert rendered(ours) == rendered(djangos)


def test_a_field_without_an_id_renders_its_label_without_a_tag() -> None:
    ours, djangos = EveryWidget(auto_id=False, renderer=OURS), EveryWidget(auto_id=False, renderer=DJANGOS)
    assert rendered(ours) == rendered(djangos)
    assert "<label" not in str(ours["text"].label_tag())


def _page(client: Client, method: str, path: str, data: dict[str, Any] | None = None) -> str:
    response = client.post(path, data) if method == "post" else client.get(path)
    assert response.status_code == 200, path
    html = response.content.decode()
    return re.sub(r'(csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]*"', r'\1""', html)


def test_the_pages_with_forms_read_the_same_with_either_renderer(org: Org) -> None:
    from jishi.testing import write_record

    record = write_record(org.author)
    client = Client()
    client.force_login(org.author)
    pages = [
        ("get", "/", None),
        ("post", "/", {"date": "2026-13-40", "content": "短", "start_time": "25:00"}),
        ("get", f"/records/{record.pk}/edit/", None),
        ("get", "/feeds/", None),
        ("get", "/records/", None),
        ("get", "/tasks/", None),
        ("get", "/search/?q=预算", None),
        ("get", "/account/tokens/", None),
    ]
    shown = []
    for method, path, data in pages:
        ours = _page(client, method, path, data)
        with override_settings(FORM_RENDERER="django.forms.renderers.DjangoTemplates"):
            djangos = _page(client, method, path, data)
        assert ours == djangos, path
        shown.append(ours)
    assert 'class="errorlist"' in shown[1] and "<select" in shown[0] and "<textarea" in shown[0]
    login = _page(Client(), "get", "/login/")  # the login form, for someone not signed in
    with override_settings(FORM_RENDERER="django.forms.renderers.DjangoTemplates"):
        assert login == _page(Client(), "get", "/login/")
