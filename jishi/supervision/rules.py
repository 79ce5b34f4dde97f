"""Who may supervise what, and the supervision dimension of an act — each written once, here.

Dimension (PRODUCT.md, "Supervision dimensions"), for an act by A on B's record:
  vertical    A and B share a 本单位 — superiors, subordinates, colleagues and sibling sections alike;
  horizontal  different department-level units of the same tier;
  top-down    A's tier is higher (a smaller number: 0 = jurisdiction leadership) than B's;
  bottom-up   A's tier is lower than B's.
B's side is the record, not B's posts today: its 本单位 (`department`) and its unit's tier, as stored when it
was written — a record belongs to the unit its author served in on the record's date. A's side is A's posts
on the day of the act; with several posts A counts through the post closest to B: one in B's 本单位 first,
then one of B's tier, then the nearest tier (a tie goes to the higher tier: a leader who also holds a post
below acts as the leader). An act by the author on their own record is `own`; an actor holding no post that
day is `unplaced`; neither counts as supervision.

Permissions (decided from PRODUCT.md, which wants supervision to run up, down and across):
  comment   anyone who may read the record's content; its author too (a reply).
  inquire   anyone but the author who may read the record's content — horizontal and bottom-up inquiries
            are part of the three pressure structures. Against burden: one open inquiry per asker and
            record, a due day no later than JISHI_INQUIRY_MAX_DAYS ahead.
  answer    only the record's author.
  flag      anyone who may read the record; seen only by the flagger and inspectors whose scope covers the
            record's unit (not the author, not leaders, not HR).
  overview  监督概况 follows the rule for who has not filed (org/rules.py, can_see_filing_status): a unit's for its
            本单位, its superiors, scoped inspection/HR and the jurisdiction leaders; the jurisdiction's for the
            jurisdiction leaders and inspection/HR over the whole jurisdiction. Anyone else gets a 404; an
            administrator without an inspection or HR grant a 403 that says so (org.rules.refuse).
On a sensitive record, comments and inquiries are part of its content: readers who see only who/when/category
neither see nor post them. A locked record stays open to supervision: locking freezes what the author wrote,
not what others say about it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q

from jishi.org.models import Assignment, Leadership, Role, RoleGrant, Unit
from jishi.org.rules import can_see_filing_status, reader_for
from jishi.supervision.models import Dimension


def comment_edit_minutes() -> int:
    return int(settings.JISHI_COMMENT_EDIT_MINUTES)


def inquiry_max_days() -> int:
    return int(settings.JISHI_INQUIRY_MAX_DAYS)


def min_group_size() -> int:
    """Group figures about fewer people than this are not shown (PRODUCT.md, "Privacy and proportion")."""
    return int(settings.JISHI_MIN_GROUP_SIZE)


@dataclass(frozen=True)
class Post:
    """The facts about one post of the actor that classification needs."""

    unit_id: int
    department_id: int
    tier: int
    leadership: str = Leadership.NONE
    title: str = ""

    @property
    def is_leader(self) -> bool:
        return self.leadership != Leadership.NONE


@dataclass(frozen=True)
class Classification:
    """The dimension of one act and the actor's post it was counted through (None when unplaced or own)."""

    dimension: str
    post: Post | None = None

    @property
    def unit_id(self) -> int | None:
        return self.post.unit_id if self.post else None


def posts_of(person_id: int, day: datetime.date) -> list[Post]:
    """The posts a person holds on `day` (one query)."""
    rows = Assignment.objects.active_on(day).filter(person_id=person_id).select_related("position__unit")
    return [
        Post(
            unit_id=a.position.unit_id,
            department_id=a.position.unit.department_id or a.position.unit_id,
            tier=a.position.unit.tier,
            leadership=a.position.leadership,
            title=f"{a.position.unit.name} {a.position.title}",
        )
        for a in rows
    ]


def classify(*, actor_id: int, author_id: int, posts: list[Post], department_id: int, tier: int) -> Classification:
    """The dimension of an act by `actor_id` (holding `posts`) on a record of `department_id` at `tier`."""
    if actor_id == author_id:
        return Classification(Dimension.OWN)
    if not posts:
        return Classification(Dimension.UNPLACED)
    same_unit = [p for p in posts if p.department_id == department_id]
    if same_unit:
        return Classification(Dimension.VERTICAL, same_unit[0])
    same_tier = [p for p in posts if p.tier == tier]
    if same_tier:
        return Classification(Dimension.HORIZONTAL, same_tier[0])
    nearest = min(posts, key=lambda p: (abs(p.tier - tier), p.tier))
    return Classification(Dimension.TOP_DOWN if nearest.tier < tier else Dimension.BOTTOM_UP, nearest)


def record_tier(record: Any) -> int:
    return int(record.unit.tier)


def classify_act(*, actor_id: int, record: Any, day: datetime.date, posts: list[Post] | None = None) -> Classification:
    """Classify an act on a record (record.unit must be loaded or loadable)."""
    if actor_id == record.author_id:
        return Classification(Dimension.OWN)
    posts = posts_of(actor_id, day) if posts is None else posts
    return classify(
        actor_id=actor_id,
        author_id=record.author_id,
        posts=posts,
        department_id=record.department_id,
        tier=record_tier(record),
    )


def leader_post(posts: list[Post], chosen: Post | None) -> Post | None:
    """The leadership post an act is made in: the counted post if it is one, else any leadership post held."""
    if chosen is not None and chosen.is_leader:
        return chosen
    return next((p for p in posts if p.is_leader), None)


def inspector_unit_ids(person_id: int, day: datetime.date) -> set[int] | None:
    """Units an inspector covers: None for the whole jurisdiction, an empty set for someone who is no inspector.

    Deliberately narrower than the Reader's scope, which merges inspection with HR: flags are for inspectors only.
    """
    grants = list(
        RoleGrant.objects.filter(person_id=person_id, role=Role.INSPECTOR, granted_on__lte=day)
        .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=day))
        .prefetch_related("units")
    )
    if any(g.all_units for g in grants):
        return None
    roots = [u for g in grants for u in g.units.all()]
    if not roots:
        return set()
    condition = Q(pk__in=[])
    for unit in roots:
        condition |= Q(path__startswith=unit.path)
    return set(Unit.objects.filter(condition).values_list("id", flat=True))


def inspector_covers(person_id: int, unit_id: int, day: datetime.date) -> bool:
    scope = inspector_unit_ids(person_id, day)
    return scope is None or unit_id in scope


def is_inspector(person_id: int, day: datetime.date) -> bool:
    scope = inspector_unit_ids(person_id, day)
    return scope is None or bool(scope)


def can_discuss(record: Any) -> bool:
    """Comments and inquiries belong to the record's content: shown to and posted by content readers only."""
    return bool(getattr(record, "content_visible", False))


def can_comment(user: Any, record: Any) -> bool:
    return bool(getattr(user, "pk", None)) and can_discuss(record)


def can_inquire(user: Any, record: Any) -> bool:
    return bool(getattr(user, "pk", None)) and record.author_id != user.pk and can_discuss(record)


def can_answer(user: Any, record: Any) -> bool:
    return bool(getattr(user, "pk", None)) and record.author_id == user.pk


def can_flag(user: Any, record: Any) -> bool:
    return bool(getattr(user, "pk", None)) and record.author_id != user.pk


def can_see_overview(user: Any, unit: Unit | None) -> bool:
    """监督概况 of a unit, or of the jurisdiction when `unit` is None.

    A unit's overview shows its whole 本单位 section by section, so it is decided on that 本单位 (`unit.department`
    should be loaded): opening it through one section must not show the sibling sections to someone who may see
    only that section.
    """
    if unit is None:
        reader = reader_for(user)
        return not reader.is_anonymous and (reader.is_jurisdiction_leader or reader.scoped_all)
    return can_see_filing_status(user, unit.department or unit)
