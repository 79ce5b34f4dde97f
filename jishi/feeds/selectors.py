"""The feeds: each is a condition on records added to the one visibility rule, read a page at a time.

PRODUCT.md's three pressure structures, as a reader meets them every day:
  本单位  vertical — my 本单位, the units I lead or am in charge of (my subordinates) and my superiors' records;
  跨部门  horizontal — records of other 本单位s, optionally narrowed to chosen units;
  领导    upward transparency — the records of jurisdiction and department-level leaders;
  关注    the colleagues and units I follow.
Every feed is `record_page` (visible_to, keyset pages, no COUNT) with one more condition: nothing here decides
who may read what.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, TextChoices
from django.utils.translation import gettext_lazy as _

from jishi.feeds.models import Follow
from jishi.org.calendar import local_today
from jishi.org.models import Assignment, Leadership, Unit
from jishi.org.rules import Reader, reader_for
from jishi.records.rules import NOTHING
from jishi.records.selectors import Page, RecordFilters, record_page

# Jurisdiction (tier 0) and department-level units (tier 1): whose leaders the 领导 feed shows.
LEADER_TIERS = (0, 1)


class Feed(TextChoices):
    UNIT = "unit", _("本单位")
    CROSS = "cross", _("跨部门")
    LEADERS = "leaders", _("领导")
    FOLLOWING = "following", _("关注")


def leader_ids() -> list[int]:
    """People holding a leadership post today in the jurisdiction or a department-level unit."""
    return list(
        Assignment.objects.active_on(local_today())
        .filter(
            position__leadership__in=[Leadership.PRINCIPAL, Leadership.DEPUTY], position__unit__tier__in=LEADER_TIERS
        )
        .values_list("person_id", flat=True)
        .distinct()
    )


def superior_ids(reader: Reader) -> list[int]:
    """The reader's superiors today (org/rules.py's definition, seen from below): heads of the units above and
    including the reader's own, and the leaders in charge of any of them."""
    if reader.person_id is None or not reader.unit_ids:
        return []
    paths = Unit.objects.filter(pk__in=reader.unit_ids).values_list("path", flat=True)
    above = {int(part) for path in paths for part in path.strip("/").split("/") if part}
    holders = (
        Assignment.objects.active_on(local_today())
        .filter(
            Q(position__leadership=Leadership.PRINCIPAL, position__unit_id__in=above)
            | Q(position__leadership__in=[Leadership.PRINCIPAL, Leadership.DEPUTY], position__in_charge_of__in=above)
        )
        .exclude(person_id=reader.person_id)
        .values_list("person_id", flat=True)
        .distinct()
    )
    return list(holders)


def feed_condition(feed: str, user: Any, *, units: list[int] | None = None) -> Q:
    """The feed's own condition on records (visibility is added by record_page, never here)."""
    reader = reader_for(user)
    if reader.is_anonymous:
        return NOTHING
    if feed == Feed.UNIT:
        condition = Q(department_id__in=reader.department_ids)
        if reader.superior_of_all:
            return Q()
        if reader.superior_unit_ids:
            condition |= Q(unit_id__in=reader.superior_unit_ids)
        bosses = superior_ids(reader)
        return condition | Q(author_id__in=bosses) if bosses else condition
    if feed == Feed.CROSS:
        others = ~Q(department_id__in=reader.department_ids) if reader.department_ids else Q()
        if units:
            return others & Q(department_id__in=units)
        return others
    if feed == Feed.LEADERS:
        return Q(author_id__in=leader_ids())
    if feed == Feed.FOLLOWING:
        follows = list(Follow.objects.filter(follower_id=reader.person_id).values_list("person_id", "unit__path"))
        people = [p for p, _ in follows if p]
        paths = [path for _, path in follows if path]
        condition = Q(author_id__in=people) if people else NOTHING
        if paths:
            followed_units = Unit.objects.filter(
                Q(path__in=paths) | Q(*[Q(path__startswith=p) for p in paths], _connector=Q.OR)
            ).values_list("id", flat=True)
            condition |= Q(unit_id__in=list(followed_units))
        return condition
    raise ValueError(f"unknown feed {feed!r}")


def feed_page(
    *, user: Any, feed: str, filters: RecordFilters, cursor: str | None = None, units: list[int] | None = None
) -> Page:
    """One page of a feed, newest first, for `user`."""
    return record_page(
        user=user, filters=filters, cursor=cursor, participants=False, scope=feed_condition(feed, user, units=units)
    )


def following(user: Any) -> tuple[list[Follow], set[int], set[int]]:
    """Whom `user` follows: the rows (for the list) and the followed person and unit ids (for the buttons)."""
    rows = list(Follow.objects.filter(follower_id=user.pk).select_related("person", "unit").order_by("-created_at"))
    return rows, {f.person_id for f in rows if f.person_id}, {f.unit_id for f in rows if f.unit_id}
