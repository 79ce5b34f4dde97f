"""The insights API (/api/v1/insights/…): findings and figures, each within what the reader may see."""

from ninja import Router

router = Router(tags=["insights"])
