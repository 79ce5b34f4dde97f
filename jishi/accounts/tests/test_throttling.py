"""Login lockout per account and per address (django-axes), administrator unlock, and rate limits with Retry-After
on the API, wrong API tokens, search and export."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from jishi.accounts.services import token_create
from jishi.core import throttling
from jishi.core.models import AuditEvent
from jishi.testing import Org, write_record

OFFICE = "10.1.1.1"  # the address the attacks come from
ELSEWHERE = "10.2.2.2"


@pytest.fixture
def lockout(settings: Any) -> Any:
    """django-axes on (the test settings switch it off for the test client's login()), with the default limits."""
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.JISHI_LOGIN_ADDRESS_FAILURE_LIMIT = 12
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    return settings


def login(client: Client, username: str, password: str, address: str = OFFICE) -> Any:
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_right_password_after_five_wrong_ones_does_not_log_in(org: Org, lockout: Any) -> None:
    client = Client()
    for _ in range(4):
        assert login(client, "author", "wrong").status_code == 200  # the form again: 用户名或密码不正确
    locked = login(client, "author", "wrong")  # the fifth
    assert locked.status_code == 429
    for _ in range(2):
        response = login(client, "author", "pw")
        assert response.status_code == 429
        assert not signed_in(client)
    page = response.content.decode()
    assert "该账户登录失败的次数过多，已被暂时锁定" in page
    assert "锁定约 15 分钟" in page and "即使密码正确也无法登录" in page and "系统管理员" in page
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60
    assert Client().get("/", REMOTE_ADDR=OFFICE).status_code == 302  # nobody got in


def test_the_lock_ends_after_the_cool_off(org: Org, lockout: Any) -> None:
    client = Client()
    for _ in range(6):
        login(client, "author", "wrong")
    assert login(client, "author", "pw").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert login(client, "author", "pw").status_code == 302
    assert signed_in(client)


def test_a_successful_login_forgets_only_that_accounts_failures(org: Org, lockout: Any) -> None:
    for _ in range(4):
        login(Client(), "author", "wrong")
        login(Client(), "colleague", "wrong")
    assert login(Client(), "author", "pw").status_code == 302  # four typos, then the right password
    assert login(Client(), "author", "wrong").status_code == 200  # counting starts again: not locked
    # Logging in to an account of one's own does not wipe the count of the account one is guessing.
    assert login(Client(), "colleague", "wrong").status_code == 429


def test_other_accounts_and_addresses_are_not_locked_with_it(org: Org, lockout: Any) -> None:
    for _ in range(6):
        login(Client(), "author", "wrong")
    assert login(Client(), "colleague", "pw", address=ELSEWHERE).status_code == 302
    # The same office address: a colleague at the next desk still signs in (the address has a higher limit).
    assert login(Client(), "sibling", "pw", address=OFFICE).status_code == 302
    # The account is locked from every address, not only the attacker's.
    assert login(Client(), "author", "pw", address=ELSEWHERE).status_code == 429


def test_an_address_trying_many_accounts_is_locked(org: Org, lockout: Any) -> None:
    for username in ["author", "colleague", "sibling", "section_head"]:
        for _ in range(3):  # under the account limit each, twelve from the address
            login(Client(), username, "wrong")
    response = login(Client(), "unit_head", "pw")
    assert response.status_code == 429
    assert "从您所在网络地址登录失败的次数过多" in response.content.decode()
    assert login(Client(), "unit_head", "pw", address=ELSEWHERE).status_code == 302
    assert login(Client(), "author", "pw", address=ELSEWHERE).status_code == 302  # 3 < 5: the account is not locked


def test_the_unlock_command_lets_them_in_and_is_audited(org: Org, lockout: Any) -> None:
    for _ in range(6):
        login(Client(), "author", "wrong")
    listed = io.StringIO()
    call_command("unlock", "--list", stdout=listed)
    assert "账户\tauthor\t失败 5 次" in listed.getvalue()
    out = io.StringIO()
    call_command("unlock", "author", "--by", "admin", stdout=out)
    assert "账户 author：已解除锁定" in out.getvalue()
    assert login(Client(), "author", "pw").status_code == 302
    event = AuditEvent.objects.get(verb="account.unlock")
    assert event.actor_id == org.admin.pk and event.target_id == str(org.author.pk)
    assert event.data["failures"] == 5


def test_the_unlock_command_lifts_an_address(org: Org, lockout: Any) -> None:
    for username in ["author", "colleague", "sibling", "section_head"]:
        for _ in range(3):
            login(Client(), username, "wrong")
    assert login(Client(), "unit_head", "pw").status_code == 429
    call_command("unlock", "--ip", OFFICE, stdout=io.StringIO())
    assert login(Client(), "unit_head", "pw").status_code == 302


def test_the_unlock_command_refuses_a_bad_address(org: Org, lockout: Any) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="不是有效的 IP 地址"):
        call_command("unlock", "--ip", "not-an-address")
    with pytest.raises(CommandError, match="请给出要解除锁定的用户名"):
        call_command("unlock")


def test_a_bad_address_in_the_unlock_command_unlocks_nobody(org: Org, lockout: Any) -> None:
    from django.core.management import CommandError

    for _ in range(5):
        login(Client(), "author", "wrong")
    with pytest.raises(CommandError, match="不是有效的 IP 地址"):
        call_command("unlock", "author", "--ip", "not-an-address", stdout=io.StringIO())
    assert login(Client(), "author", "pw").status_code == 429
    assert not AuditEvent.objects.filter(verb="account.unlock").exists()


def test_administrators_see_lockouts_and_unlock_in_the_admin(org: Org, lockout: Any) -> None:
    for _ in range(6):
        login(Client(), "author", "wrong")
    admin = Client()
    admin.force_login(org.admin)
    page = admin.get("/admin/accounts/loginfailure/").content.decode()
    assert "author" in page and "账户已锁定" in page
    row = AccessAttempt.objects.get(username="author")
    response = admin.post(
        "/admin/accounts/loginfailure/",
        {"action": "unlock_accounts", "_selected_action": [row.pk]},
        follow=True,
    )
    assert "账户 author：已解除锁定" in response.content.decode()
    assert login(Client(), "author", "pw").status_code == 302
    assert AuditEvent.objects.filter(verb="account.unlock", actor=org.admin).count() == 1


def test_administrators_unlock_from_the_people_list(org: Org, lockout: Any) -> None:
    for _ in range(6):
        login(Client(), "author", "wrong")
    admin = Client()
    admin.force_login(org.admin)
    response = admin.post(
        "/admin/org/person/", {"action": "unlock_logins", "_selected_action": [org.author.pk]}, follow=True
    )
    assert "已解除登录锁定" in response.content.decode()
    assert login(Client(), "author", "pw").status_code == 302


def test_only_administrators_see_the_lockouts(org: Org, lockout: Any) -> None:
    client = Client()
    client.force_login(org.author)
    assert client.get("/admin/accounts/loginfailure/").status_code in (302, 403)


# Rate limits. The clock stands still, so a test never straddles two windows.


@pytest.fixture
def limits(settings: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setattr(throttling, "clock", lambda: 1_000_000.0)  # 20 s before a minute ends
    settings.JISHI_RATE_LIMITS = {"api": "100/min", "search": "100/min", "export": "100/min", "bad_token": "100/min"}
    return settings.JISHI_RATE_LIMITS  # type: ignore[no-any-return]


def bearer(secret: str, address: str = OFFICE) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", REMOTE_ADDR=address)


def assert_too_many(response: Any) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == "20"
    body = response.json()
    assert body["retry_after"] == 20 and "请求过于频繁" in body["detail"]


def test_wrong_tokens_from_an_address_are_refused_for_a_while(org: Org, limits: dict[str, str]) -> None:
    limits["bad_token"] = "3/min"
    _, secret = token_create(person=org.author, name="对接")
    for n in range(3):
        assert bearer(f"jsk_guess{n}").get("/api/v1/records").status_code == 401
    assert_too_many(bearer("jsk_guess3").get("/api/v1/records"))
    # The right token from that address waits too: guessing learns nothing until the window is over.
    assert_too_many(bearer(secret).get("/api/v1/records"))
    assert bearer(secret, address=ELSEWHERE).get("/api/v1/records").status_code == 200


def test_the_api_has_a_limit_per_person(org: Org, limits: dict[str, str]) -> None:
    limits["api"] = "3/min"
    _, secret = token_create(person=org.author, name="对接")
    _, other = token_create(person=org.colleague, name="对接")
    for _ in range(3):
        assert bearer(secret).get("/api/v1/records").status_code == 200
    assert_too_many(bearer(secret, address=ELSEWHERE).get("/api/v1/units"))  # the person, from any address
    assert bearer(other).get("/api/v1/records").status_code == 200


def test_without_redis_the_api_limit_counts_in_the_workers_memory_and_the_guards_where_all_see_them(
    org: Org, limits: dict[str, str], settings: Any
) -> None:
    """The general API limit costs a shared-cache write per call, which halved the API list on the file cache;
    wrong tokens, search and export must still be counted where every worker sees them."""
    from django.core.cache import caches

    limits.update(api="3/min", bad_token="3/min", search="3/min")
    write_record(org.author)
    _, secret = token_create(person=org.author, name="对接")
    bearer(secret).get("/api/v1/records")
    bearer(secret).get("/api/v1/search", {"q": "预算"})
    bearer("jsk_guess").get("/api/v1/records")
    window = int(throttling.clock() // 60)

    def counted(alias: str, scope: str, ident: str) -> int | None:
        return caches[alias].get(f"jishi:rate:{scope}:{ident}:{window}")

    person = f"person:{org.author.pk}"
    assert settings.JISHI_RATE_CACHES == {"api": "worker", "public_api": "worker"}
    assert counted("worker", "api", person) == 2 and counted("default", "api", person) is None
    assert counted("default", "search", person) == 1
    assert counted("default", "bad_token", OFFICE) == 1

    settings.JISHI_RATE_CACHES = {"api": "default"}  # what JISHI_CACHE_URL (Redis) gives
    bearer(secret).get("/api/v1/records")
    assert counted("default", "api", person) == 1


def test_search_and_export_have_tighter_limits_on_the_api(org: Org, limits: dict[str, str]) -> None:
    limits.update(search="2/min", export="1/min")
    write_record(org.author)
    _, secret = token_create(person=org.author, name="对接")
    client = bearer(secret)
    for _ in range(2):
        assert client.get("/api/v1/search", {"q": "预算"}).status_code == 200
    assert_too_many(client.get("/api/v1/search", {"q": "预算"}))
    assert client.get("/api/v1/records/export").status_code == 200
    assert_too_many(client.get("/api/v1/records/export"))
    assert client.get("/api/v1/records").status_code == 200  # the cheap reads go on


def test_search_and_export_pages_answer_a_short_chinese_page(org: Org, limits: dict[str, str]) -> None:
    limits.update(search="2/min", export="1/min")
    client = Client()
    client.force_login(org.author)
    for _ in range(3):
        assert client.get("/search/").status_code == 200  # opening the empty page counts nothing
    for _ in range(2):
        assert client.get("/search/", {"q": "预算"}).status_code == 200
    response = client.get("/search/", {"q": "预算"})
    assert response.status_code == 429 and response["Retry-After"] == "20"
    assert "操作过于频繁" in response.content.decode() and "20 秒后再试" in response.content.decode()
    assert client.get("/records/export/", {"format": "csv"}).status_code == 200
    response = client.get("/records/export/", {"format": "csv"})
    assert response.status_code == 429 and response["Retry-After"] == "20"
    other = Client()
    other.force_login(org.colleague)
    assert other.get("/search/", {"q": "预算"}).status_code == 200


def test_a_new_window_starts_afresh(org: Org, limits: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    limits["api"] = "1/min"
    _, secret = token_create(person=org.author, name="对接")
    assert bearer(secret).get("/api/v1/records").status_code == 200
    assert bearer(secret).get("/api/v1/records").status_code == 429
    monkeypatch.setattr(throttling, "clock", lambda: 1_000_020.0)
    assert bearer(secret).get("/api/v1/records").status_code == 200


def test_the_lockout_and_limit_pages_follow_the_interface_language(
    org: Org, lockout: Any, limits: dict[str, str]
) -> None:
    from django.conf import settings

    limits["search"] = "1/min"
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for _ in range(5):
        response = login(client, "author", "wrong")
    page = response.content.decode()
    assert "Too many failed logins to this account" in page and "Locked for about 15 minutes" in page
    client.force_login(org.colleague)
    client.get("/search/", {"q": "预算"})
    assert "Try again in 20 seconds" in client.get("/search/", {"q": "预算"}).content.decode()


def test_limits_read_like_ninjas_and_an_empty_one_is_no_limit(settings: Any) -> None:
    settings.JISHI_RATE_LIMITS = {"search": "10/10min", "export": "5/hour", "api": ""}
    assert throttling.rate("search") == throttling.Rate(count=10, seconds=600)
    assert throttling.rate("export") == throttling.Rate(count=5, seconds=3600)
    assert throttling.rate("api") is None
    assert all(throttling.count("api", "person:1") is None for _ in range(1000))


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(org: Org, lockout: Any, settings: Any) -> None:
    settings.JISHI_PROXY_COUNT = 1
    settings.JISHI_LOGIN_ADDRESS_FAILURE_LIMIT = 3
    proxy = "127.0.0.1"

    def via_proxy(username: str, password: str, seen: str, sent: str = "") -> Any:
        forwarded = f"{sent}, {seen}" if sent else seen  # the proxy appends the address it saw
        return Client().post(
            "/login/",
            {"username": username, "password": password},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    # Writing another address into X-Forwarded-For does not dodge the address limit.
    for n, username in enumerate(["author", "colleague", "sibling"]):
        via_proxy(username, "wrong", seen=OFFICE, sent=f"192.0.2.{n}")
    assert via_proxy("unit_head", "pw", seen=OFFICE, sent="192.0.2.99").status_code == 429
    # Everyone else behind the same proxy is another address.
    assert via_proxy("unit_head", "pw", seen=ELSEWHERE).status_code == 302


def test_the_file_cache_keeps_a_count_for_a_whole_window(
    tmp_path: Any, limits: dict[str, str], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Production's file cache (config/settings/base.py) rewrites an entry on incr() with its default timeout: that
    must outlast the window, or a ten-minute limit forgets its count after five quiet minutes."""
    import time

    from config.settings import base

    settings.CACHES = {"default": {**base.CACHES["default"], "LOCATION": str(tmp_path)}}
    limits["export"] = "2/10min"
    assert throttling.count("export", "person:1") is None
    assert throttling.count("export", "person:1") is None
    later = time.time() + 400  # seven quiet minutes, still in the same window (the throttling clock stands still)
    monkeypatch.setattr(time, "time", lambda: later)
    assert throttling.count("export", "person:1") is not None
