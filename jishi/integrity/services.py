"""Writes to the chain: seal rows as they are written, seal rows written in bulk, export daily digests.

`link` is called by `jishi.core.services.audit` for every audit event (and the history rows passed to it);
nothing else needs to call it. `link_rows` is the set-based path for rows written by the bulk writer.
"""

from __future__ import annotations

import datetime
import hmac
import json
import multiprocessing
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, connections, models, transaction
from django.db.models import Exists, Max, Min, OuterRef
from django.utils import timezone

from jishi.integrity import conf
from jishi.integrity.canonical import GENESIS, KINDS, Kind, Row, _utc, chained_kinds, entry_text, hasher, kind_of
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
    """The chain's head, locked until the caller's transaction ends (created on the chain's first write)."""
    quote = connection.ops.quote_name
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = f"SELECT seq, entry_hash FROM {quote(ChainHead._meta.db_table)} WHERE shard = %s{lock}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [shard])
        found = cursor.fetchone()
    if found is None:
        head, _ = ChainHead.objects.select_for_update().get_or_create(shard=shard, defaults={"entry_hash": GENESIS})
        return head
    return ChainHead(shard=shard, seq=found[0], entry_hash=found[1])


@transaction.atomic(savepoint=False)  # part of the caller's transaction: no savepoint statements
def link(*, actor_id: int | None, instances: Sequence[models.Model]) -> None:
    """Seal saved history rows into the acting person's chain, in the caller's transaction.

    Three statements whatever the number of rows: lock the chain's head, insert the entries, move the head —
    written as plain SQL, since every write in Jishi pays for them. Only writers of the same chain (one person in
    sixteen, by default) wait for each other.
    """
    if not instances:
        return
    shard = shard_for(actor_id)
    rows = [kind_of(instance).row_of(instance, actor_id) for instance in instances]
    now = timezone.now()
    head = _locked_head(shard)
    entries = _seal(rows, shard=shard, head=head, now=now)
    moment = connection.ops.adapt_datetimefield_value(now)
    _insert_entries(
        [(e.shard, e.seq, e.kind, e.object_id, e.record_id, e.content_hash, e.entry_hash, moment) for e in entries],
        many=False,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(ChainHead._meta.db_table)} SET seq = %s, entry_hash = %s "
            "WHERE shard = %s",
            [head.seq, head.entry_hash, shard],
        )


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


def _insert_entries(rows: list[tuple[Any, ...]], *, many: bool = True) -> None:
    """COPY (PostgreSQL) or executemany for bulk loads; one multi-row INSERT for the few entries of a single write."""
    quote = connection.ops.quote_name
    columns = ["shard", "seq", "kind", "object_id", "record_id", "content_hash", "entry_hash", "created_at"]
    table = f"{quote(ChainEntry._meta.db_table)} ({', '.join(quote(c) for c in columns)})"
    head = f"INSERT INTO {table} VALUES "
    one = f"({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        if many and connection.vendor == "postgresql":  # several times faster than executemany there
            with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        elif many:
            cursor.executemany(head + one, rows)
        else:
            cursor.execute(head + ", ".join([one] * len(rows)), [value for row in rows for value in row])


ContentHash = tuple[int, int | None, int | None, str]  # object id, record id, actor id, content hash


def _content_hashes(kind_name: str, min_id: int, low: int = 0, high: int | None = None) -> list[ContentHash]:
    """The content hashes of the unsealed rows of one kind in an id range, in id order (runs in a worker too)."""
    kind = KINDS[kind_name]
    rows = _unlinked(kind, max(min_id, low))
    if high is not None:
        rows = rows.filter(pk__lt=high)
    digest = hasher()
    return [(row.object_id, row.record_id, row.actor_id, digest(row.text()).hexdigest()) for row in kind.rows(rows)]


def _hashes_in_parallel(pool: Any, kind: Kind, min_id: int, step: int = 40_000) -> Iterator[ContentHash]:
    bounds = kind.model._default_manager.filter(pk__gte=min_id).aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return
    starts = range(bounds["low"], bounds["high"] + 1, step)
    tasks = [(kind.name, min_id, low, low + step) for low in starts]
    for chunk in pool.imap(_content_hashes_task, tasks):  # in order: the chain follows the ids
        yield from chunk


def _content_hashes_task(task: tuple[str, int, int, int]) -> list[ContentHash]:
    return _content_hashes(*task)


def _workers_possible(workers: int) -> bool:
    """Worker processes read committed rows on their own connections: not inside a transaction, not in memory."""
    if workers < 2 or connection.in_atomic_block:
        return False
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())  # type: ignore[attr-defined]


def link_rows(
    *, kinds: Iterable[str] | None = None, min_id: int = 0, batch: int = 20_000, workers: int = 1
) -> LinkReport:
    """Seal every row of the chained kinds (id ≥ `min_id`) that no entry covers yet — set-based.

    For rows written by the bulk writer: an import calls it inside its own transaction; the demo build calls it
    after the load has committed, with `workers=2`, so that two processes read and hash the rows while this one
    links and inserts. Call it only for rows Jishi itself has just written: whatever it finds unsealed it seals
    as genuine.
    """
    started = time.perf_counter()
    pool = None
    if _workers_possible(workers):
        connections.close_all()  # each worker opens its own connection; none may inherit this one
        pool = multiprocessing.get_context("fork").Pool(workers)
    try:
        with transaction.atomic():
            report = _link_all(kinds=kinds, min_id=min_id, batch=batch, pool=pool)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    report.seconds = time.perf_counter() - started
    return report


def _link_all(*, kinds: Iterable[str] | None, min_id: int, batch: int, pool: Any) -> LinkReport:
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
    # Sealing a whole world into an empty chain: build the object index once at the end, not row by row.
    lookup_index = next(ix for ix in ChainEntry._meta.indexes if ix.name == "chain_entry_object")
    # Not on PostgreSQL with workers: DROP INDEX locks the table until commit, and the workers' reads of it would
    # wait for this transaction while it waits for them.
    rebuild = sum(seqs.values()) < 10_000 and (pool is None or connection.vendor == "sqlite")
    if rebuild:  # plain statements: SQLite's schema editor refuses to run inside the caller's transaction
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(lookup_index.name)}")
    for kind in chained_kinds():
        if wanted is not None and kind.name not in wanted:
            continue
        count = 0
        pending: list[tuple[Any, ...]] = []
        found = _hashes_in_parallel(pool, kind, min_id) if pool else iter(_content_hashes(kind.name, min_id))
        for object_id, record_id, actor_id, content_hash in found:
            shard = (actor_id or 0) % n_shards
            seq = seqs[shard] + 1
            entry_hash = digest(
                entry_text(
                    prev=hashes[shard],
                    shard=shard,
                    seq=seq,
                    kind=kind.name,
                    object_id=object_id,
                    record_id=record_id,
                    created_at=created,
                    content_hash=content_hash,
                )
            ).hexdigest()
            seqs[shard], hashes[shard] = seq, entry_hash
            pending.append((shard, seq, kind.name, object_id, record_id, content_hash, entry_hash, adapted_now))
            count += 1
            if len(pending) >= batch:
                _insert_entries(pending)
                pending = []
        if pending:
            _insert_entries(pending)
        report.linked[kind.name] = count
    if rebuild:
        with connection.cursor() as cursor:
            cursor.execute(str(lookup_index.create_sql(ChainEntry, connection.schema_editor())))
    for shard, seq in seqs.items():
        if seq != heads[shard].seq:
            ChainHead.objects.filter(shard=shard).update(seq=seq, entry_hash=hashes[shard])
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
    path = None
    if out_dir is not None:  # the file first: a directory that cannot be written leaves the database unchanged
        path = out_dir / digest_filename(day)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        except OSError as exc:
            raise ValidationError({"out": [f"无法写入摘要文件 {path}：{exc.strerror or exc}"]}) from exc
    Digest.objects.update_or_create(
        date=day, defaults={"body": document, "signed": bool(key), "exported_at": timezone.now()}
    )
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
