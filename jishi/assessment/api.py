"""考核 endpoints under /api/v1/assessment/: the same services and visibility rule as the pages."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["考核"])
