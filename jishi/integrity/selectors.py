"""Reads for the integrity page and API: the last verifications, the exported digests, the chain's size."""

from __future__ import annotations

from dataclasses import dataclass

from jishi.integrity.models import ChainHead, Digest, Verification


@dataclass
class IntegrityStatus:
    """What the integrity page shows."""

    verifications: list[Verification]
    digests: list[Digest]
    chains: int
    entries: int

    @property
    def last(self) -> Verification | None:
        return self.verifications[0] if self.verifications else None


def integrity_status(*, verifications: int = 10, digests: int = 30) -> IntegrityStatus:
    """The latest verifications and digests; the chain's size from its heads (no count over the entries)."""
    heads = list(ChainHead.objects.values_list("seq", flat=True))
    return IntegrityStatus(
        verifications=list(Verification.objects.order_by("-started_at")[:verifications]),
        digests=list(Digest.objects.order_by("-date")[:digests]),
        chains=sum(1 for seq in heads if seq),
        entries=sum(heads),
    )
