"""Who may see the state of the hash chain: inspectors (纪检监察) and administrators."""

from __future__ import annotations

from typing import Any

from jishi.org.rules import reader_for


def can_see_integrity(user: Any) -> bool:
    """The last verification and the digest dates: inspectors and administrators, nobody else."""
    if not getattr(user, "is_authenticated", False):
        return False
    reader = reader_for(user)
    return reader.is_inspector or reader.is_administrator
