"""The forms people fill in, as a browser gets them from Django's own form templates: the input each field is, the
keyboard and autofill hints, labels tied to their fields, errors tied to theirs for a screen reader, values escaped."""

from __future__ import annotations

import re
from datetime import time
from html import unescape

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from jishi.org.models import Person
from jishi.testing import Org, write_record

pytestmark = pytest.mark.django_db


def page(person: Person | None, path: str, data: dict[str, str] | None = None, language: str | None = None) -> str:
    client = Client()
    if person is not None:
        client.force_login(person)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(path, data) if data is not None else client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def tag(html: str, name: str) -> str:
    """The opening tag of the form control named `name`."""
    found = re.search(rf'<(?:input|select|textarea)\b[^>]*\bname="{name}"[^>]*>', html)
    assert found is not None, name
    return found[0]


def textarea_text(html: str, name: str) -> str:
    """The text a browser shows in the textarea named `name` (a newline after the tag is not part of it)."""
    found = re.search(rf'<textarea\b[^>]*\bname="{name}"[^>]*>\n?(.*?)</textarea>', html, re.S)
    assert found is not None, name
    return unescape(found[1])


def test_the_record_form_offers_the_right_keyboard_and_pickers(org: Org) -> None:
    html = page(org.author, "/")
    assert 'type="date"' in tag(html, "date") and "required" in tag(html, "date")
    assert re.search(r' max="\d{4}-\d{2}-\d{2}" min="\d{4}-\d{2}-\d{2}"', tag(html, "date"))
    for name in ("start_time", "end_time"):  # 24-hour text on the digit keypad, not the locale's AM/PM picker
        assert 'type="text"' in tag(html, name) and 'inputmode="numeric"' in tag(html, name)
    duration = tag(html, "duration_minutes")
    assert 'type="number"' in duration and 'inputmode="numeric"' in duration
    assert 'min="1"' in duration and 'max="1440"' in duration
    content = tag(html, "content")
    assert content.startswith("<textarea") and 'rows="3"' in content and "required" in content
    assert 'placeholder="做了什么、与谁、结果如何"' in content
    assert 'maxlength="200"' in tag(html, "place") and 'type="checkbox"' in tag(html, "ends_next_day")
    assert '<option value="" selected>—— 不对应具体职责 ——</option>' in html
    for field in ("category", "date", "start_time", "duration_minutes", "content", "visibility"):
        assert f'<label for="id_{field}">' in html and f'id="id_{field}"' in tag(html, field)


def test_errors_are_shown_beside_their_field_and_announced(org: Org) -> None:
    html = page(org.author, "/", {"date": "2026-13-40", "content": "<script>x</script>", "start_time": "25:00"})
    date = tag(html, "date")
    assert 'aria-invalid="true"' in date and 'aria-describedby="id_date_error"' in date
    assert 'value="2026-13-40"' in date  # what was typed comes back
    assert '<ul class="errorlist" id="id_date_error"><li>输入一个有效的日期。</li></ul>' in html
    assert '<ul class="errorlist" id="id_start_time_error"><li>输入一个有效的时间。</li></ul>' in html
    assert "aria-invalid" not in tag(html, "content")
    assert textarea_text(html, "content") == "<script>x</script>" and "<script>x" not in html


def test_errors_in_english_for_english_readers(org: Org) -> None:
    html = page(org.author, "/", {"date": "2026-13-40", "content": "短"}, language="en")
    assert '<ul class="errorlist" id="id_date_error"><li>Enter a valid date.</li></ul>' in html
    assert '<label for="id_date">Date</label>' in html


def test_the_edit_form_is_filled_with_the_record_as_the_pickers_read_it(org: Org) -> None:
    record = write_record(
        org.author, content='与 "甲&乙" 协调召开预算编制会议，明确分工', start_time=time(9, 5), end_time=time(10, 30)
    )
    html = page(org.author, f"/records/{record.pk}/edit/")
    assert f'value="{record.date:%Y-%m-%d}"' in tag(html, "date")
    assert 'value="09:05"' in tag(html, "start_time") and 'value="10:30"' in tag(html, "end_time")
    assert textarea_text(html, "content") == '与 "甲&乙" 协调召开预算编制会议，明确分工'
    assert '"甲&乙"' not in html  # escaped, as any entity the browser reads back


def test_the_sign_in_form_lets_the_browser_fill_in_the_account(org: Org) -> None:
    html = page(None, "/login/")
    username, password = tag(html, "username"), tag(html, "password")
    assert 'autocomplete="username"' in username and 'autocapitalize="none"' in username
    assert "autofocus" in username and "required" in username
    assert 'type="password"' in password and 'autocomplete="current-password"' in password
    assert '<label for="id_username">用户名</label>' in html


def test_the_task_form_picks_its_deadline_from_a_calendar(org: Org) -> None:
    html = page(org.unit_head, "/tasks/new/")
    assert 'type="date"' in tag(html, "deadline")
    description = tag(html, "description")
    assert description.startswith("<textarea") and 'rows="3"' in description and 'maxlength="2000"' in description


def test_the_set_password_form_asks_the_browser_for_a_new_password(org: Org) -> None:
    uid = urlsafe_base64_encode(force_bytes(org.author.pk))
    response = Client().get(f"/password/set/{uid}/{default_token_generator.make_token(org.author)}/", follow=True)
    html = response.content.decode()
    for name in ("new_password1", "new_password2"):
        field = tag(html, name)
        assert 'type="password"' in field and 'autocomplete="new-password"' in field and "required" in field
        assert f'<label for="id_{name}">' in html
