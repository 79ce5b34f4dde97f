"""Every page of every role on a phone (390×844): nothing wider than the screen, no target a thumb cannot hit.

Each role of the test world (staff, section head, unit head, district leader, inspector, HR, admin) opens every page
its menus offer — the main menu (the bottom bar and 更多) and the account menu, Django's admin aside — and the main
pages beneath: a record, the record list, search results, a task, the inbox, and for leaders the manager's day, the
dashboard and its findings. On each page:

- `document.documentElement.scrollWidth` ≤ 390: no horizontal scrolling (a wide table scrolls inside its own box);
- every visible interactive target — a link, button, input, select, textarea, summary, and the label that stands in
  for a checkbox, radio or file input — is at least 44×44 px (WCAG 2.5.5, the size a thumb hits; the issue's floor).

What does not count as a target of its own (the rule, so that a reader can judge it):
- a link inside running text — a `<p>` that has words of its own besides its links (WCAG 2.5.8's inline exception:
  its size is set by the line of the sentence);
- a control inside, or named by, a label that is itself 44×44 px or more (the label is what the thumb hits), and a
  visually hidden input (1×1 px) whose styled label is the target;
- the label of a text field, select or textarea (the field beside it is the target, and is checked);
- what is not drawn (display:none, a closed <details> or popover, visibility:hidden).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from jishi.browser_tests.conftest import ARTIFACTS, shot
from jishi.core.hooks import page_menu
from jishi.org.calendar import local_today, working_days
from jishi.org.models import Person
from jishi.records.models import WorkRecord
from jishi.supervision.services import comment_create, inquiry_ask
from jishi.tasks.models import Task
from jishi.tasks.services import TaskInput, task_create
from jishi.testing import Org, build_org, category, write_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 390

# The measurement, run in the page: what is too small, and how wide the page is.
MEASURE = """(root) => {
  const SELECTOR = 'a[href], button, input:not([type=hidden]), select, textarea, summary, label';
  const FIELDS = 'input:not([type=checkbox]):not([type=radio]):not([type=file]):not([type=hidden]), select, textarea';
  const big = r => r.width >= 43.5 && r.height >= 43.5;  // sub-pixel layout: 43.99 is 44
  const drawn = el => el.checkVisibility({visibilityProperty: true}) && el.getClientRects().length > 0;
  const labelOf = el => el.closest('label') || (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`));
  const inSentence = el => {
    const p = el.closest('p');
    if (!p || el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    let own = p.textContent;
    for (const inner of p.querySelectorAll('a, button')) own = own.replace(inner.textContent, '');
    return own.replace(/[\\s·，。、：:,.()（）]/g, '').length >= 2;
  };
  const small = [];
  for (const el of document.querySelector(root || 'html').querySelectorAll(SELECTOR)) {
    if (!drawn(el)) continue;
    const r = el.getBoundingClientRect();
    if (el.tagName === 'LABEL') {
      const control = el.control;
      if (!control || control.matches(FIELDS)) continue;  // a field's caption: the field is the target
      if ([...control.labels].some(other => other !== el && drawn(other) && big(other.getBoundingClientRect()))) {
        continue;  // a caption beside the control's own big label (a file input's 选择文件)
      }
      if (el.contains(control) || !big(control.getBoundingClientRect())) {
        if (!big(r)) small.push(el);
      }
      continue;
    }
    if (el.matches('input, select, textarea') && (r.width <= 1 || r.height <= 1)) continue;  // visually hidden
    if (el.matches('input, select, textarea, button')) {
      const label = labelOf(el);
      if (label && drawn(label) && big(label.getBoundingClientRect())) continue;
    }
    if (inSentence(el)) continue;
    if (!big(r)) small.push(el);
  }
  const describe = el => {
    const r = el.getBoundingClientRect();
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || el.name || '').trim().slice(0, 24);
    const where = el.closest('[id]');
    return `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ').join('.') : ''}` +
      ` "${text}" ${Math.round(r.width)}×${Math.round(r.height)}` + (where ? ` in #${where.id}` : '');
  };
  const width = document.documentElement.scrollWidth;
  const wide = width <= 390 ? [] : [...document.body.querySelectorAll('*')]
    .filter(el => el.getBoundingClientRect().right > 390.5 && ![...el.children].some(
      child => child.getBoundingClientRect().right > 390.5))
    .slice(0, 3);
  return {width, small: small.map(describe), wide: wide.map(describe)};
}"""


@pytest.fixture
def world(transactional_db: Any, settings: Any, tmp_path: Any) -> Org:
    settings.JISHI_INSIGHTS_DIR = tmp_path / "insights"
    settings.JISHI_MIN_GROUP_SIZE = 2
    settings.JISHI_LATE_ENTRY_DAYS = 100
    org = build_org()
    today = local_today()
    research = category("research").pk
    for n, day in enumerate(working_days(today - datetime.timedelta(days=14), today - datetime.timedelta(days=1))):
        write_record(org.author, date=day, content="审核教育局年中预算追加申请，建议先调剂再追加")
        if n % 2:
            write_record(org.colleague, date=day, category_id=research, content="组织防汛物资检查，核对沙袋和水泵数量")
        write_record(org.unrelated, date=day, content="走访困难群众，落实临时救助资金发放")
    record = write_record(org.author, date=today, content="与区民政局召开养老服务协调会，明确三项分工和完成时限")
    comment_create(actor=org.section_head, record=record, text="思路清楚，请把分工表发给国库科")
    inquiry_ask(actor=org.unit_head, record=record, question="请说明预算调整依据", due_on=today)
    task_create(
        issuer=org.unit_head,
        data=TaskInput(
            title="年底前完成养老服务补贴资金拨付",
            deadline=today + datetime.timedelta(days=14),
            owner_unit_id=org.budget.pk,
            owner_person_id=org.author.pk,
        ),
    )
    return org


def sign_in(phone: Any, server: str, person: Person) -> None:
    """A session made by Django's test client, handed to the browser (the sign-in form has its own tests)."""
    client = Client()
    client.force_login(person)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    phone.context.clear_cookies()
    phone.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": server}])


def menu_paths(phone: Any) -> list[str]:
    """Every page the main menu (bar and 更多) and the account menu offer, Django's admin aside."""
    hrefs = phone.eval_on_selector_all(
        "header .nav a[href], header .account .menu a[href]", "links => links.map(a => a.getAttribute('href'))"
    )
    return [href for href in hrefs if not href.startswith("/admin/")]


def check(phone: Any, server: str, path: str, found: list[str], *, may_hide: bool = False) -> bool:
    """Measure one page into `found`; False for a page the reader may not see (`may_hide`: a 404 is right)."""
    response = phone.goto(f"{server}{path}")
    assert response is not None
    if may_hide and response.status in {403, 404}:
        return False
    assert response.status < 400, f"{path}: {response.status}"
    phone.wait_for_load_state("load")
    result = phone.evaluate(MEASURE, None)
    if result["width"] > WIDTH:
        found.append(f"{path}: {result['width']} px wide, by {', '.join(result['wide'])}")
    found.extend(f"{path}: {target}" for target in result["small"])
    return True


SHOTS = {
    ("author", "/"): "today",
    ("author", "/me/"): "mine",
    ("author", "/records/N/"): "record",
    ("author", "/records/"): "list",
    ("section_head", "/insights/today/"): "managers-day",
    ("secretary", "/insights/"): "dashboard",
    ("inspector", "/supervision/"): "supervision",
}
ROLES = ["author", "section_head", "unit_head", "secretary", "inspector", "hr", "admin"]


def test_every_page_of_every_role_fits_a_phone(live_server: Any, phone: Any, world: Org) -> None:
    server = live_server.url
    record = WorkRecord.objects.filter(author=world.author, date=local_today()).get()
    task_id = Task.objects.get().pk
    beneath = [
        f"/records/{record.pk}/",
        "/records/",
        "/search/?q=%E9%A2%84%E7%AE%97",  # 预算
        f"/tasks/{task_id}/",
        "/inbox/",
        f"/records/{record.pk}/edit/",
        "/day/",
        f"/units/{world.finance.pk}/",
        f"/tasks/unit/{world.finance.pk}/",
        "/duties/coverage/",
        f"/insights/records/?unit={world.finance.pk}",  # a figure's records, for a reader with a group scope
    ]
    leaders = ["/insights/today/", "/insights/", "/insights/findings/"]
    found: list[str] = []
    visited = 0
    for role in ROLES:
        person: Person = getattr(world, role)
        sign_in(phone, server, person)
        phone.goto(f"{server}/")
        paths = menu_paths(phone)
        assert paths, f"{role} has no menu"
        if role in {"section_head", "unit_head", "secretary"}:
            paths += leaders
        for path in dict.fromkeys(paths + beneath):  # each once, in order
            # a record or task beneath may not be the reader's to see or change: 404/403 are right (tested elsewhere)
            visited += check(phone, server, path, found, may_hide=path not in paths)
            name = SHOTS.get((role, path.replace(str(record.pk), "N")))
            if name:
                phone.screenshot(path=str(ARTIFACTS / f"phone-layout-{name}.png"))  # what the phone shows first
        # 更多: the rest of the menu, opened
        if phone.locator(".nav-more-toggle").count():
            phone.goto(f"{server}/")
            phone.click(".nav-more-toggle")
            phone.wait_for_selector(".nav-more:popover-open")
            result = phone.evaluate(MEASURE, ".nav-more")
            found.extend(f"{role} 更多: {target}" for target in result["small"])
            if role == "secretary":
                phone.screenshot(path=str(ARTIFACTS / "phone-menu-more.png"))
    assert visited >= 60
    assert not found, "\n".join(found)


def test_the_menu_offers_every_entry_on_a_phone(live_server: Any, phone: Any, world: Org) -> None:
    """The bar holds the first entries and 更多 the rest: every entry of a role is one or two taps away."""
    server = live_server.url
    sign_in(phone, server, world.secretary)
    phone.goto(f"{server}/records/")
    bar = phone.locator(".nav > a:visible, .nav > .nav-more-toggle:visible")
    assert bar.count() == 5
    box = phone.locator(".nav").bounding_box()
    assert box["y"] + box["height"] == pytest.approx(844, abs=1)  # at the bottom of the screen
    assert phone.locator(".nav-more-toggle").get_attribute("data-current") is not None  # 检索 sits under 更多
    phone.click(".nav-more-toggle")
    more = phone.locator(".nav-more a")
    offered = sorted((e for entries in page_menu.run() for e in entries), key=lambda entry: entry.order)
    expected = [str(e.label) for e in offered if e.shown_to is None or e.shown_to(world.secretary)]
    assert len(expected) >= 8 and expected[:2] == ["看板", "今天"]
    labels = more.all_inner_texts()
    assert labels == expected[4:]  # the bar holds the first four
    assert {"动态", "确认与质询", "检索", "督办", "单位"} <= set(labels)
    assert all(link.is_visible() for link in more.all())
    more.filter(has_text="督办").click()
    phone.wait_for_url(f"{server}/tasks/")
    shot(phone, "phone-tasks")
    # on a wide screen the same links in one row at the top, no 更多
    phone.set_viewport_size({"width": 1280, "height": 800})
    assert not phone.locator(".nav-more-toggle").is_visible()
    assert phone.locator(".nav a:visible").all_inner_texts() == expected
    assert phone.locator(".nav").bounding_box()["y"] < 60
    phone.screenshot(path=str(ARTIFACTS / "phone-layout-wide-menu.png"))


def test_a_file_is_chosen_with_a_chinese_button_and_its_name_shows(live_server: Any, phone: Any, world: Org) -> None:
    server = live_server.url
    sign_in(phone, server, world.hr)
    phone.goto(f"{server}/records/import/")
    picker = phone.locator(".file-pick").first
    assert picker.locator(".button").inner_text() == "选择文件"
    assert picker.locator("[data-file-name]").inner_text() == "未选择文件"
    box = picker.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    with phone.expect_file_chooser() as chooser:  # the label opens the browser's file chooser
        picker.locator(".button").click()
    chooser.value.set_files(files=[{"name": "人员名单.xlsx", "mimeType": "application/octet-stream", "buffer": b"x"}])
    assert picker.locator("[data-file-name]").inner_text() == "人员名单.xlsx"
    shot(phone, "phone-file-pick")


def test_the_english_menu_and_pages_fit_a_phone_too(live_server: Any, phone: Any, world: Org) -> None:
    """English labels are longer ("Confirmations & inquiries"): the bar wraps them, nothing is cut or overflows."""
    server = live_server.url
    sign_in(phone, server, world.secretary)
    phone.context.add_cookies([{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": server}])
    phone.goto(f"{server}/records/")
    assert phone.locator("html").get_attribute("lang") == "en"
    found: list[str] = []
    for path in menu_paths(phone):
        check(phone, server, path, found)
    phone.click(".nav-more-toggle")
    phone.wait_for_selector(".nav-more:popover-open")
    found.extend(f"More: {target}" for target in phone.evaluate(MEASURE, ".nav-more")["small"])
    cut = "links => links.filter(a => a.scrollWidth > a.clientWidth).map(a => a.innerText)"
    assert not phone.eval_on_selector_all(".nav > a, .nav-more a", cut)
    phone.screenshot(path=str(ARTIFACTS / "phone-layout-english-more.png"))
    assert not found, "\n".join(found)
