"""全文检索 endpoints: the same services and visibility rule as the pages."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["全文检索"])
