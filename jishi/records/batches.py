"""Import batches (导入批次): every importer — records and organisation alike — fingerprints its file here, so the
same file never imports twice, and records who imported it."""

from __future__ import annotations

import hashlib

from django.utils import timezone

from jishi.core.tables import ImportFileError
from jishi.org.models import Person
from jishi.records.models import ImportBatch


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def refuse_repeat(digest: str) -> None:
    """Raise ImportFileError if a file with this SHA-256 was imported before (by any importer)."""
    earlier = ImportBatch.objects.filter(sha256=digest).select_related("imported_by").first()
    if earlier:
        raise ImportFileError(
            f"该文件已于 {timezone.localtime(earlier.imported_at):%Y-%m-%d %H:%M} 由"
            f"{earlier.imported_by}导入（{earlier.filename}，{earlier.rows} 行），不会重复导入。"
        )


def batch_create(*, actor: Person, digest: str, filename: str, rows: int) -> ImportBatch:
    """Record an imported file; call inside the import's transaction (the unique fingerprint guards a race)."""
    return ImportBatch.objects.create(
        sha256=digest, filename=filename[-200:], imported_by=actor, imported_at=timezone.now(), rows=rows
    )
