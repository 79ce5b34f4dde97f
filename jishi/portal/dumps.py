"""Open data: the live publications as CSV and Parquet with a data dictionary, written nightly (`jishi portal dump`)
and served under /public/data/.

A dump holds exactly what the portal shows — the live publications' redacted text and the public snapshot of who
wrote them — so it can be no wider than the pages. Files are written beside the old ones and renamed into place,
so a reader never downloads a half-written file; manifest.json says when, how many and each file's digest.
"""

from __future__ import annotations

import csv
import datetime
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from jishi.portal import cache
from jishi.portal.models import DecisionAction, Publication, PublicationDecision

CSV_NAME = "publications.csv"
PARQUET_NAME = "publications.parquet"
DICTIONARY_NAME = "data-dictionary.csv"
MANIFEST_NAME = "manifest.json"
FILES = (CSV_NAME, PARQUET_NAME, DICTIONARY_NAME)
CHUNK = 5_000


@dataclass(frozen=True)
class FieldSpec:
    """One column of the dump: its name, type (as Parquet stores it) and meaning."""

    name: str
    type: str
    meaning: str


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("record_id", "int64", "记实编号；公开页面 /public/records/<编号>/"),
    FieldSpec("date", "date", "工作日期"),
    FieldSpec("published_at", "timestamp", "公开发布时间（UTC）"),
    FieldSpec("department_id", "int64", "本单位（委办局、街镇、村居）编号"),
    FieldSpec("department", "string", "本单位名称"),
    FieldSpec("unit_id", "int64", "所在单位（科室）编号"),
    FieldSpec("unit", "string", "所在单位名称"),
    FieldSpec("author_name", "string", "记录人姓名（公职人员，公开其公务活动）"),
    FieldSpec("post_title", "string", "记录人发布时的职务"),
    FieldSpec("is_leader", "bool", "是否为领导（区领导或单位主要负责人）"),
    FieldSpec("category", "string", "记实类别"),
    FieldSpec("content", "string", "工作内容（已脱敏：电话、证件号、车牌、银行卡、邮箱、群众姓名以【】占位）"),
    FieldSpec("result", "string", "结果/进展（已脱敏，同上）"),
    FieldSpec("url", "string", "公开页面地址（相对路径）"),
)


def dump_dir() -> Path:
    """Where dumps are written and served from (JISHI_PORTAL_DUMP_DIR, default JISHI_DATA_DIR/portal-data)."""
    configured = getattr(settings, "JISHI_PORTAL_DUMP_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "portal-data"


def _rows() -> Iterator[dict[str, Any]]:
    queryset = (
        Publication.objects.live()
        .select_related("unit", "department", "record__category")
        .only(
            "record_id",
            "date",
            "published_at",
            "department_id",
            "department__name",
            "unit_id",
            "unit__name",
            "author_name",
            "post_title",
            "is_leader",
            "record__category__name",
            "content_redacted",
            "result_redacted",
        )
        .order_by("date", "id")
    )
    for p in queryset.iterator(chunk_size=CHUNK):
        yield {
            "record_id": p.record_id,
            "date": p.date,
            "published_at": p.published_at,
            "department_id": p.department_id,
            "department": p.department.name,
            "unit_id": p.unit_id,
            "unit": p.unit.name,
            "author_name": p.author_name,
            "post_title": p.post_title,
            "is_leader": p.is_leader,
            "category": p.record.category.name,
            "content": p.content_redacted,
            "result": p.result_redacted,
            "url": reverse("portal:record", args=[p.record_id]),
        }


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_dump(out: Path | None = None) -> dict[str, Any]:
    """Write the dump into `out` (default dump_dir()) and return its manifest."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = out or dump_dir()
    target.mkdir(parents=True, exist_ok=True)
    started = timezone.now()  # the rows are read after it: a record held back before it is not among them
    pending = {name: target / f".{name}.writing" for name in (*FILES, MANIFEST_NAME)}
    schema = pa.schema(
        [
            pa.field(
                f.name,
                {
                    "int64": pa.int64(),
                    "date": pa.date32(),
                    "timestamp": pa.timestamp("us", tz="UTC"),
                    "bool": pa.bool_(),
                    "string": pa.string(),
                }[f.type],
            )
            for f in FIELDS
        ]
    )
    names = [f.name for f in FIELDS]
    count = 0
    # utf-8-sig: a spreadsheet opened by double-click reads the Chinese right.
    with (
        pending[CSV_NAME].open("w", encoding="utf-8-sig", newline="") as csv_file,
        pq.ParquetWriter(pending[PARQUET_NAME], schema, compression="zstd") as parquet,
    ):
        writer = csv.DictWriter(csv_file, fieldnames=names)
        writer.writeheader()
        batch: list[dict[str, Any]] = []

        def flush() -> None:
            if batch:
                columns = {name: [row[name] for row in batch] for name in names}
                parquet.write_table(pa.table(columns, schema=schema))
                batch.clear()

        for row in _rows():
            count += 1
            published = row["published_at"].astimezone(datetime.UTC)
            writer.writerow(
                {
                    **row,
                    "date": row["date"].isoformat(),
                    "published_at": published.isoformat(timespec="seconds").replace("+00:00", "Z"),
                    "is_leader": "1" if row["is_leader"] else "0",
                }
            )
            batch.append({**row, "published_at": published})
            if len(batch) >= CHUNK:
                flush()
        flush()
    with pending[DICTIONARY_NAME].open("w", encoding="utf-8-sig", newline="") as handle:
        rows = csv.writer(handle)
        rows.writerow(["field", "type", "meaning"])
        for f in FIELDS:
            rows.writerow([f.name, f.type, f.meaning])
    manifest = {
        "generated_at": timezone.now().astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "records": count,
        "read_from": started.isoformat(),
        "files": {name: {"bytes": pending[name].stat().st_size, "sha256": _digest(pending[name])} for name in FILES},
        "fields": [{"name": f.name, "type": f.type, "meaning": f.meaning} for f in FIELDS],
    }
    pending[MANIFEST_NAME].write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    for name in FILES:
        os.replace(pending[name], target / name)
    os.replace(pending[MANIFEST_NAME], target / MANIFEST_NAME)  # last: it describes files already in place
    cache.bump()  # the open-data page names the new files
    return manifest


def latest() -> dict[str, Any] | None:
    """The manifest of the dump being served, or None when none was written yet."""
    try:
        loaded = json.loads((dump_dir() / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def is_stale(manifest: dict[str, Any] | None = None) -> bool:
    """Whether a record was held back (taken off the portal) after the served dump was written: the dump then still
    holds it, and must not be handed out until it is written again."""
    manifest = manifest if manifest is not None else latest()
    if not manifest:
        return False
    try:
        written = datetime.datetime.fromisoformat(str(manifest["read_from"]))
    except (KeyError, ValueError):
        return True  # a dump from before read_from was kept: written again once
    return PublicationDecision.objects.filter(action=DecisionAction.HOLD, decided_at__gte=written).exists()


def refresh_if_stale() -> None:
    """Write the dump again if a record was held back since it was written (one writer at a time; the others wait
    for it and then find it fresh). The nightly run stays the regular one; this only takes a held record out."""
    if not is_stale():
        return
    target = dump_dir()
    target.mkdir(parents=True, exist_ok=True)
    with (target / ".writing.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if is_stale():
                write_dump(target)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def file_path(name: str) -> Path | None:
    """The path of a served file by its name (only the dump's own files; anything else None)."""
    if name not in (*FILES, MANIFEST_NAME):
        return None
    path = dump_dir() / name
    return path if path.is_file() else None


def file_etag(path: Path) -> str:
    """A cheap validator: size and modification time (the file is replaced whole, never edited)."""
    stat = path.stat()
    return f"{stat.st_size:x}-{stat.st_mtime_ns:x}"
