"""What integrity announces (see jishi/core/hooks.py): the apps above it register their listeners from ready()."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jishi.core.hooks import hook

if TYPE_CHECKING:
    from jishi.integrity.verification import Problem


@hook("integrity.cross_check")
def cross_check() -> list[Problem]:
    """`jishi verify` has proved the chain and the audit events unchanged: each listener compares its own app's rows
    that are not chained themselves with the sealed events that recorded them (assessment: every Step and each
    assessment's grade) and returns what disagrees, as verification.Problem (what: CHANGED, INSERTED or DELETED;
    `when` as local time text, `kind_name` the rows' name in Chinese)."""
    raise NotImplementedError
