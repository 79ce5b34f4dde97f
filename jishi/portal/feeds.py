"""RSS and Atom feeds of the public work, per unit (its subtree) and per leader (django.contrib.syndication).

The items are the live publications only, so a record withdrawn, restricted, made sensitive or held disappears from
the feed at once (the feeds are served through the page cache, which every such change makes stale).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _

from jishi.core.http import ID_MAX
from jishi.org.models import Person, Unit
from jishi.portal import selectors
from jishi.portal.models import Publication

FEED_ITEMS = 30


def _item_title(item: Publication) -> str:
    post = f"（{item.post_title}）" if item.post_title else ""
    return f"{item.date.isoformat()} {item.author_name}{post}：{item.content_redacted[:40]}"


class _PublicationFeed(Feed):
    """What the unit and leader feeds share: an item is a live publication, linked to its public page."""

    feed_type: type = Rss201rev2Feed

    def item_title(self, item: Publication) -> str:
        return _item_title(item)

    def item_description(self, item: Publication) -> str:
        text = item.content_redacted
        if item.result_redacted:
            text += "\n" + _("结果/进展：") + item.result_redacted
        return text

    def item_link(self, item: Publication) -> str:
        return reverse("portal:record", args=[item.record_id])

    def item_guid(self, item: Publication) -> str:
        return reverse("portal:record", args=[item.record_id])

    def item_pubdate(self, item: Publication) -> datetime.datetime:
        return item.published_at

    def item_author_name(self, item: Publication) -> str:
        return item.author_name

    def item_categories(self, item: Publication) -> list[str]:
        return [item.record.category.name]


def _id(raw: Any) -> int:
    pk = int(raw)
    if not 0 < pk <= ID_MAX:
        raise Http404
    return pk


class UnitFeed(_PublicationFeed):
    """A unit's public work (with the units below it), newest first."""

    def get_object(self, request: HttpRequest, pk: Any) -> Unit:
        found = Unit.objects.filter(pk=_id(pk)).first()
        if found is None:
            raise Http404
        return found

    def title(self, obj: Unit) -> str:
        return _("%(unit)s · 公开工作") % {"unit": obj.name}

    def link(self, obj: Unit) -> str:
        return reverse("portal:unit", args=[obj.pk])

    def description(self, obj: Unit) -> str:
        return _("%(unit)s公开的工作记实（已脱敏），按日期从新到旧。") % {"unit": obj.name}

    def items(self, obj: Unit) -> list[Publication]:
        queryset = selectors.filtered(selectors.PublicFilters(unit=obj))
        return selectors.publication_page(queryset, 1, FEED_ITEMS).items


class LeaderFeed(_PublicationFeed):
    """A leader's public work, newest first."""

    def get_object(self, request: HttpRequest, pk: Any) -> Person:
        found = selectors.leader_of(_id(pk))
        if found is None:
            raise Http404
        return found

    def title(self, obj: Person) -> str:
        return _("%(name)s · 公开工作") % {"name": obj.full_name}

    def link(self, obj: Person) -> str:
        return reverse("portal:leader", args=[obj.pk])

    def description(self, obj: Person) -> str:
        return _("%(name)s公开的工作记实（已脱敏），按日期从新到旧。") % {"name": obj.full_name}

    def items(self, obj: Person) -> list[Publication]:
        queryset = selectors.filtered(selectors.PublicFilters(leader=obj))
        return selectors.publication_page(queryset, 1, FEED_ITEMS).items


class UnitAtomFeed(UnitFeed):
    feed_type = Atom1Feed
    subtitle = UnitFeed.description


class LeaderAtomFeed(LeaderFeed):
    feed_type = Atom1Feed
    subtitle = LeaderFeed.description
