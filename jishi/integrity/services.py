"""Writes to the chain: seal rows as they are written, seal rows written in bulk, export daily digests.

`link` is called by `jishi.core.services.audit` for every audit event (and the history rows passed to it);
nothing else needs to call it. `link_rows` is the set-based path for rows written by the bulk writer.
"""

from __future__ import annotations

import datetime
import hmac
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from jishi.integrity import conf
from jishi.integrity.canonical import GENESIS, Kind, Row, _utc, chained_kinds, entry_text, hasher, kind_of
from jishi.integrity.models import ChainEntry, ChainHead, Digest, Verification

DIGEST_FORMAT = "jishi-digest/1"


def shard_for(actor_id: int | None) -> int:
    """The chain an actor's rows join: the same actor always writes to the same chain."""
    return (actor_id or 0) % conf.shards()


def _seal(rows: Sequence[Row], *, shard: int, head: ChainHead, now: datetime.datetime) -> list[ChainEntry]:
    digest = hasher()
    created = _utc(now) or ""
    prev, seq = head.entry_hash, head.seq
    entries = []
    for row in rows:
        seq += 1
        content_hash = digest(row.text()).hexdigest()
        prev = digest(
            entry_text(
                prev=prev,
                shard=shard,
                seq=seq,
                kind=row.kind,
                object_id=row.object_id,
                record_id=row.record_id,
                created_at=created,
                content_hash=content_hash,
            )
        ).hexdigest()
        entries.append(
            ChainEntry(
                shard=shard,
                seq=seq,
                kind=row.kind,
                object_id=row.object_id,
                record_id=row.record_id,
                content_hash=content_hash,
                entry_hash=prev,
                created_at=now,
            )
        )
    head.seq, head.entry_hash = seq, prev
    return entries


def _locked_head(shard: int) -> ChainHead:
    head, _ = ChainHead.objects.select_for_update().get_or_create(shard=shard, defaults={"entry_hash": GENESIS})
    return head


@transaction.atomic(savepoint=False)  # part of the caller's transaction: no savepoint statements
def link(*, actor_id: int | None, instances: Sequence[models.Model]) -> None:
    """Seal saved history rows into the acting person's chain, in the caller's transaction.

    Three statements whatever the number of rows: lock the chain's head, insert the entries, move the head.
    Only writers of the same chain (one person in sixteen, by default) wait for each other.
    """
    if not instances:
        return
    shard = shard_for(actor_id)
    rows = [kind_of(instance).row_of(instance, actor_id) for instance in instances]
    head = _locked_head(shard)
    entries = _seal(rows, shard=shard, head=head, now=timezone.now())
    ChainEntry.objects.bulk_create(entries)
    ChainHead.objects.filter(shard=shard).update(seq=head.seq, entry_hash=head.entry_hash)


@dataclass
class LinkReport:
    """What link_rows sealed, per kind, and how long it took."""

    linked: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.linked.values())


def _unlinked(kind: Kind, min_id: int) -> models.QuerySet[Any]:
    rows = kind.model._default_manager.filter(pk__gte=min_id)
    sealed = ChainEntry.objects.filter(kind=kind.name, object_id__gte=min_id)
    if not sealed.exists():  # the usual case after a bulk load: no anti-join over the whole table
        return rows
    return rows.filter(~Exists(sealed.filter(object_id=OuterRef("pk"))))


def _insert_entries(rows: list[tuple[Any, ...]]) -> None:
    quote = connection.ops.quote_name
    columns = ["shard", "seq", "kind", "object_id", "record_id", "content_hash", "entry_hash", "created_at"]
    sql = (
        f"INSERT INTO {quote(ChainEntry._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


@transaction.atomic
def link_rows(*, kinds: Iterable[str] | None = None, min_id: int = 0, batch: int = 20_000) -> LinkReport:
    """Seal every row of the chained kinds (id ≥ `min_id`) that no entry covers yet — set-based.

    For rows written by the bulk writer (the demo world, imports), in the same transaction as the load: call it
    only for rows Jishi itself has just written, since anything it finds unsealed it seals as genuine.
    """
    started = time.perf_counter()
    report = LinkReport()
    wanted = set(kinds) if kinds is not None else None
    now = timezone.now()
    created = _utc(now) or ""
    adapted_now = connection.ops.adapt_datetimefield_value(now)
    digest = hasher()
    n_shards = conf.shards()
    heads = {h.shard: h for h in ChainHead.objects.select_for_update().order_by("shard")}
    for shard in range(n_shards):
        if shard not in heads:
            heads[shard] = ChainHead.objects.create(shard=shard, entry_hash=GENESIS)
    seqs = {shard: head.seq for shard, head in heads.items()}
    hashes = {shard: head.entry_hash for shard, head in heads.items()}
    for kind in chained_kinds():
        if wanted is not None and kind.name not in wanted:
            continue
        count = 0
        pending: list[tuple[Any, ...]] = []
        for row in kind.rows(_unlinked(kind, min_id)):
            shard = (row.actor_id or 0) % n_shards
            seq = seqs[shard] + 1
            content_hash = digest(row.text()).hexdigest()
            entry_hash = digest(
                entry_text(
                    prev=hashes[shard],
                    shard=shard,
                    seq=seq,
                    kind=kind.name,
                    object_id=row.object_id,
                    record_id=row.record_id,
                    created_at=created,
                    content_hash=content_hash,
                )
            ).hexdigest()
            seqs[shard], hashes[shard] = seq, entry_hash
            pending.append((shard, seq, kind.name, row.object_id, row.record_id, content_hash, entry_hash, adapted_now))
            count += 1
            if len(pending) >= batch:
                _insert_entries(pending)
                pending = []
        if pending:
            _insert_entries(pending)
        report.linked[kind.name] = count
    for shard, seq in seqs.items():
        if seq != heads[shard].seq:
            ChainHead.objects.filter(shard=shard).update(seq=seq, entry_hash=hashes[shard])
    report.seconds = time.perf_counter() - started
    return report


# ---- daily digests ------------------------------------------------------------------------------------


def digest_body(day: datetime.date) -> dict[str, Any]:
    """The head of every chain at the end of `day` (local time), and how many entries each got that day."""
    tz = timezone.get_current_timezone()
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    start = end - datetime.timedelta(days=1)
    chains: dict[str, dict[str, Any]] = {}
    for shard in range(conf.shards()):
        last = (
            ChainEntry.objects.filter(shard=shard, created_at__lt=end)
            .order_by("-seq")
            .values_list("seq", "entry_hash")
            .first()
        )
        if last is None:
            continue
        that_day = ChainEntry.objects.filter(shard=shard, created_at__gte=start, created_at__lt=end).count()
        chains[str(shard)] = {"seq": last[0], "hash": last[1], "entries_that_day": that_day}
    return {"format": DIGEST_FORMAT, "date": day.isoformat(), "algorithm": conf.algorithm(), "chains": chains}


def _body_bytes(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sign(body: dict[str, Any], key: bytes) -> str:
    """HMAC of the digest body with the configured key and algorithm."""
    return hmac.new(key, _body_bytes(body), conf.algorithm()).hexdigest()


def digest_filename(day: datetime.date) -> str:
    return f"jishi-digest-{day.isoformat()}.json"


@transaction.atomic
def digest_export(*, day: datetime.date, out_dir: Path | None = None) -> tuple[dict[str, Any], Path | None]:
    """Compute the digest of `day`, sign it when a key is configured, keep a copy and write it to `out_dir`."""
    body = digest_body(day)
    key = conf.signing_key()
    document = {**body, "signature": sign(body, key) if key else None}
    Digest.objects.update_or_create(
        date=day, defaults={"body": document, "signed": bool(key), "exported_at": timezone.now()}
    )
    path = None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / digest_filename(day)
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return document, path


def verification_record(report: Any) -> Verification:
    """Keep the outcome of a verification for the integrity page (the problems' first lines, not all of them)."""
    return Verification.objects.create(
        started_at=timezone.now() - datetime.timedelta(seconds=report.seconds.get("total", 0.0)),
        seconds=report.seconds.get("total", 0.0),
        entries=report.entries,
        problems=len(report.problems),
        digests_checked=report.digests,
        summary=[problem.line() for problem in report.problems[:50]],
    )
