"""Django's Jinja2 backend (jishi.core.jinja_env) draws the record lists and the page header: escaping, url(), the
translation, and strings that `makemessages` can still find."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation.template import templatize

from jishi.core.jinja_env import date, truncatechars
from jishi.records.models import WorkRecord
from jishi.testing import Org, write_record


def render(source: str, **context: object) -> str:
    return engines["jinja2"].from_string(source).render(context)


def test_values_are_escaped_and_a_safe_string_is_not_escaped_twice() -> None:
    from django.utils.html import format_html

    assert render("{{ name }}", name='<b>"王"</b>') == "&lt;b&gt;&#34;王&#34;&lt;/b&gt;"
    assert render("{{ link }}", link=format_html('<a href="{}">{}</a>', "/x", "<i>")) == '<a href="/x">&lt;i&gt;</a>'


def test_url_is_djangos_reverse() -> None:
    assert render("{{ url('records:detail', 7) }}") == reverse("records:detail", args=[7])
    assert render("{{ url('records:today') }}") == reverse("records:today")
    with pytest.raises(NoReverseMatch):
        render("{{ url('records:no_such_page') }}")


def test_strings_are_translated_with_the_language_switched() -> None:
    with translation.override("zh-hans"):
        assert render('{{ _("退出") }}') == "退出"
    with translation.override("en"):
        assert render('{{ _("退出") }}') == "Log out"
        when = datetime.date(2026, 3, 5)
        assert render('{% set f = _("n月j日") %}{{ day|date(f) }}', day=when) == "Mar 5"


def test_django_filters_keep_their_meaning() -> None:
    from django.template.defaultfilters import truncatechars as djangos

    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert truncatechars("一" * 130, 120) == djangos("一" * 130, 120) != "一" * 130
    assert truncatechars("短", 120) == "短"
    moment = datetime.datetime(2026, 3, 5, 1, 30, tzinfo=datetime.UTC)  # 09:30 in Shanghai
    with translation.override("zh-hans"):
        assert date(moment, "n月j日 H:i") == "3月5日 09:30"
    assert date(None, "Y") == ""
    day = datetime.date(2026, 3, 5)
    with translation.override("zh-hans"):
        chinese = date(day, "M j")
    with translation.override("en"):
        assert date(day, "M j") == "Mar 5" != chinese  # remembered per language


JINJA2_TEMPLATES = sorted(Path(settings.BASE_DIR, "jishi").glob("*/jinja2/**/*.html"))


@pytest.mark.parametrize("path", JINJA2_TEMPLATES, ids=lambda p: p.name)
def test_makemessages_finds_every_string_of_a_jinja2_template_in_the_english_catalogue(path: Path) -> None:
    """makemessages reads a Jinja2 .html as a Django template (templatize): each `_("…")` must come out as a gettext
    call, and each must have an English translation."""
    source = path.read_text()
    written = source.count('_("')
    assert written, f"{path} has no translated string"
    found = templatize(source, origin=str(path))
    import re

    msgids = re.findall(r'gettext\(u?"((?:[^"\\]|\\.)*)"\)|_\("((?:[^"\\]|\\.)*)"\)', found)
    ids = [a or b for a, b in msgids]
    assert len(ids) == written, (path, ids)
    with translation.override("en"):
        for msgid in ids:
            text = msgid.encode().decode("unicode_escape") if "\\" in msgid else msgid
            assert translation.gettext(text) != text or text.isascii(), f"{text!r} has no English translation"


@pytest.mark.django_db
def test_a_list_drawn_by_jinja2_reads_in_english(org: Org) -> None:
    record = write_record(org.author, content="<script>与区财政局会商2027年预算编制，确定三项重点支出</script>")
    WorkRecord.objects.filter(pk=record.pk).update(is_late=True)
    client = Client()
    client.force_login(org.author)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("records:person", args=[org.author.pk])).content.decode()
    assert "Late entry" in body and "补记" not in body
    assert "&lt;script&gt;与区财政局会商" in body and "<script>与区财政局" not in body
    assert f'href="{reverse("records:detail", args=[record.pk])}"' in body
    assert "Log out" in body  # the header, drawn by Jinja2 too
