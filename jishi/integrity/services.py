"""Writes to the chain: seal rows as they are written, seal rows written in bulk, export daily digests.

`link` is called by `jishi.core.services.audit` for every audit event (and the history rows passed to it);
nothing else needs to call it. `link_rows` is the set-based path for rows a bulk load wrote: it seals only what a
registration (`load_register`, made by the load in its own transaction) names, never whatever it finds unsealed.
"""

from __future__ import annotations

import datetime
import hmac
import json
import multiprocessing
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, connections, models, transaction
from django.db.models import Exists, Max, Min, OuterRef, Q
from django.utils import timezone

from jishi.core.processes import can_fork
from jishi.core.services import audit
from jishi.integrity import conf
from jishi.integrity.canonical import GENESIS, KINDS, Kind, Row, _utc, chained_kinds, entry_text, hasher, kind_of
from jishi.integrity.models import BulkLoad, ChainEntry, ChainHead, Digest, Verification
from jishi.org.models import Person

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
    head = _locked_head(shard)
    now = timezone.now()  # after the lock: along one chain, entries' times never go backwards
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
    """What link_rows sealed, per kind; the loads it refused and why; the unsealed rows no load names."""

    linked: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    loads: list[BulkLoad] = field(default_factory=list)  # the loads whose rows it sealed
    refused: list[tuple[BulkLoad, str]] = field(default_factory=list)
    stray: dict[str, tuple[int, list[int]]] = field(default_factory=dict)  # kind: (how many, the first ids)

    @property
    def total(self) -> int:
        return sum(self.linked.values())


# A service seals what it writes in the same transaction, moments after the row's own time. A row sealed longer
# than this after the time it claims was sealed afterwards: by a bulk load's sealing, or by someone laundering it.
SEAL_GRACE = datetime.timedelta(minutes=10)

Runs = list[tuple[int, int]]  # id runs, first and last included


def _merge(runs: Iterable[tuple[int, int]]) -> Runs:
    """Sorted, non-empty, non-overlapping runs."""
    merged: Runs = []
    for first, last in sorted((int(a), int(b)) for a, b in runs if a <= b):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _in_runs(runs: Runs, name: str = "pk") -> Q:
    query = Q(pk__in=[])
    for first, last in runs:
        query |= Q(**{f"{name}__range": (first, last)})
    return query


def _unsealed(kind: Kind, runs: Runs) -> models.QuerySet[Any]:
    """The rows of `kind` in `runs` that no entry covers."""
    rows = kind.model._default_manager.filter(_in_runs(runs))
    sealed = ChainEntry.objects.filter(_in_runs(runs, "object_id"), kind=kind.name)
    if not sealed.exists():  # the usual case just after a bulk load: no anti-join
        return rows
    return rows.filter(~Exists(ChainEntry.objects.filter(kind=kind.name, object_id=OuterRef("pk"))))


def chained_max_ids() -> dict[str, int]:
    """The highest id of each chained kind now: a bulk load notes them before it writes, to register what it wrote."""
    return {
        kind.name: kind.model._default_manager.aggregate(top=Max("pk"))["top"] or 0
        for kind in chained_kinds()
        if kind.name != "load"
    }


def load_text(load: BulkLoad) -> bytes:
    """What a registration's signature covers."""
    body = {
        "id": load.pk,
        "source": load.source,
        "registered_by": load.registered_by_id,
        "registered_at": _utc(load.registered_at),
        "rows": load.rows,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def load_signature(load: BulkLoad, key: bytes) -> str:
    return hmac.new(key, load_text(load), conf.algorithm()).hexdigest()


def load_register(
    *, actor: Person | None, source: str, runs: Mapping[str, Iterable[tuple[int, int]]], adopt: bool = False
) -> BulkLoad:
    """Register the rows a bulk load of Jishi's own has just written — call it in the load's transaction, with the
    ids it chose. Only registered rows are ever sealed after they were written (link_rows); the registration is
    sealed at once with its audit event, and signed when JISHI_CHAIN_KEY is set.

    `adopt`: vouch instead for the rows in `runs` that are sealed already (adopt_sealed_rows); such a registration
    never lets anything be sealed."""
    with transaction.atomic(savepoint=False):
        rows: dict[str, dict[str, Any]] = {}
        for name, kind_runs in runs.items():
            merged = _merge(kind_runs)
            if merged and adopt:
                rows[name] = {"runs": [list(run) for run in merged], "count": 0, "adopted": True}
            elif merged:
                count = _unsealed(KINDS[name], merged).count()
                rows[name] = {"runs": [list(run) for run in merged], "count": count}
        load = BulkLoad.objects.create(source=source, registered_by=actor, registered_at=timezone.now(), rows=rows)
        key = conf.signing_key()
        if key:
            load.signature = load_signature(load, key)
            load.save(update_fields=["signature"])
        counts = {name: body["count"] for name, body in rows.items()}
        audit(actor=actor, verb="integrity.load", target=load, data={"source": source, "rows": counts}, history=[load])
    return load


def load_signature_problem(load: BulkLoad) -> str | None:
    """Why a registration's signature is not this system's (JISHI_CHAIN_KEY), or None (signed right, or unsigned)."""
    key = conf.signing_key()
    if key and load.signature and not hmac.compare_digest(load.signature, load_signature(load, key)):
        return "登记的签名不符：不是用本系统的密钥（JISHI_CHAIN_KEY）登记的。"
    return None


def load_problem(load: BulkLoad, row: Row, sealed_hash: str | None, *, require_signature: bool) -> str | None:
    """Why a registration is not to be trusted, or None: it must be in the chain as it was sealed, and carry a valid
    signature when a key is set (`require_signature`: also refuse one registered before the key was set)."""
    if sealed_hash is None:
        return "登记不在链中：不是记实登记的，而是直接写入了数据库。"
    if hasher()(row.text()).hexdigest() != sealed_hash:
        return "登记在入链后被改动。"
    forged = load_signature_problem(load)
    if forged:
        return forged
    key = conf.signing_key()
    if key and require_signature and not load.signature:
        return "登记没有签名，而系统配置了签名密钥（JISHI_CHAIN_KEY）。"
    return None


def _linked_entry(shard: int, seq: int) -> ChainEntry | None:
    """The entry at (shard, seq) if it follows from its predecessor and lies within the chain's head."""
    entry = ChainEntry.objects.filter(shard=shard, seq=seq).first()
    head = ChainHead.objects.filter(shard=shard).first()
    if entry is None or head is None or head.seq < seq:
        return None
    prev = ChainEntry.objects.filter(shard=shard, seq=seq - 1).values_list("entry_hash", flat=True).first()
    text = entry_text(
        prev=prev or GENESIS,
        shard=shard,
        seq=seq,
        kind=entry.kind,
        object_id=entry.object_id,
        record_id=entry.record_id,
        created_at=_utc(entry.created_at) or "",
        content_hash=entry.content_hash,
    )
    if (prev is None and seq != 1) or hasher()(text).hexdigest() != entry.entry_hash:
        return None
    return entry


def trusted_loads(loads: Iterable[BulkLoad] | None = None) -> tuple[list[BulkLoad], list[tuple[BulkLoad, str]]]:
    """The registrations `link_rows` may act on, and those it refuses with the reason (signature required)."""
    by_id = {load.pk: load for load in (loads if loads is not None else BulkLoad.objects.order_by("pk"))}
    trusted: list[BulkLoad] = []
    refused: list[tuple[BulkLoad, str]] = []
    if not by_id:
        return trusted, refused
    positions = {
        object_id: (shard, seq)
        for object_id, shard, seq in ChainEntry.objects.filter(kind="load", object_id__in=by_id).values_list(
            "object_id", "shard", "seq"
        )
    }
    for row in KINDS["load"].rows(BulkLoad.objects.filter(pk__in=by_id)):
        load = by_id[row.object_id]
        entry = _linked_entry(*positions[load.pk]) if load.pk in positions else None
        problem = load_problem(load, row, entry.content_hash if entry else None, require_signature=True)
        if problem:
            refused.append((load, problem))
        else:
            trusted.append(load)
    return trusted, refused


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


def _content_hashes(kind_name: str, low: int, high: int) -> list[ContentHash]:
    """The content hashes of the unsealed rows of one kind with low ≤ id ≤ high, in id order (runs in a worker too)."""
    kind = KINDS[kind_name]
    digest = hasher()
    rows = _unsealed(kind, [(low, high)])
    return [(row.object_id, row.record_id, row.actor_id, digest(row.text()).hexdigest()) for row in kind.rows(rows)]


def _chunks(runs: Runs, step: int) -> list[tuple[int, int]]:
    return [(low, min(low + step - 1, last)) for first, last in runs for low in range(first, last + 1, step)]


def _hashes_in_parallel(pool: Any, kind: Kind, runs: Runs, step: int = 40_000) -> Iterator[ContentHash]:
    tasks = [(kind.name, low, high) for low, high in _chunks(runs, step)]
    for chunk in pool.imap(_content_hashes_task, tasks):  # in order: the chain follows the ids
        yield from chunk


def _content_hashes_task(task: tuple[str, int, int]) -> list[ContentHash]:
    return _content_hashes(*task)


def _workers_possible(workers: int) -> bool:
    """Worker processes read committed rows on their own connections: not inside a transaction, not in memory, and
    only forked from a process running one thread (core.processes.can_fork)."""
    if workers < 2 or connection.in_atomic_block or not can_fork():
        return False
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())  # type: ignore[attr-defined]


def import_seal(*, actor: Person, version_runs: list[tuple[int, int]]) -> None:
    """Register the record versions an import has just written as its load, and seal them (hook records.imported,
    in the import's transaction, before its audit event)."""
    load = load_register(actor=actor, source="records.import", runs={"version": version_runs})
    link_rows(loads=[load])


def link_rows(
    *,
    loads: Sequence[BulkLoad] | None = None,
    batch: int = 20_000,
    workers: int = 1,
    find_stray: bool = False,
) -> LinkReport:
    """Seal the rows that registered bulk loads wrote and that no entry covers yet — set-based — and nothing else.

    `loads`: these registrations (an import passes its own); by default every one. A registration is acted on only if
    it is in the chain as sealed (and signed, with a key set), and if the unsealed rows in its id runs are exactly as
    many as it wrote: a row added in its runs, or one taken away, and the load is refused, not sealed. Rows no
    registration names stay unsealed whatever happens; `find_stray` counts them (verify reports each as inserted).

    The demo build calls it after the load has committed, with `workers=2`, so that two processes read and hash the
    rows while this one links and inserts.
    """
    started = time.perf_counter()
    pool = None
    if _workers_possible(workers):
        connections.close_all()  # each worker opens its own connection; none may inherit this one
        pool = multiprocessing.get_context("fork").Pool(workers)
    try:
        with transaction.atomic():
            report = _link_loads(loads=loads, batch=batch, pool=pool, find_stray=find_stray)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    report.seconds = time.perf_counter() - started
    return report


def _link_loads(*, loads: Sequence[BulkLoad] | None, batch: int, pool: Any, find_stray: bool) -> LinkReport:
    report = LinkReport()
    # Only registrations with rows still to seal are looked at: one sealed long ago (or an upgrade's, which adopts
    # sealed rows) has nothing to be trusted for — even if, say, it predates the key and is unsigned.
    unsealed: dict[int, dict[str, int]] = {}
    for load in loads if loads is not None else BulkLoad.objects.order_by("pk"):
        kinds = [name for name in load.rows if not load.adopted(name)]
        counts = {name: _unsealed(KINDS[name], load.runs(name)).count() for name in kinds}
        if any(counts.values()):
            unsealed[load.pk] = counts
    found = loads or BulkLoad.objects.filter(pk__in=unsealed).order_by("pk")
    candidates = [load for load in found if load.pk in unsealed]
    trusted, report.refused = trusted_loads(candidates)
    pending: dict[str, Runs] = {}
    for load in trusted:
        wrong = [
            f"{name} 登记 {load.count(name)} 行，未入链 {found} 行"
            for name, found in unsealed[load.pk].items()
            if found != load.count(name)
        ]
        if wrong:
            report.refused.append((load, "编号范围内的行与登记不符（" + "；".join(wrong) + "）：有行被插入或删除。"))
            continue
        report.loads.append(load)
        for name in unsealed[load.pk]:
            pending.setdefault(name, []).extend(load.runs(name))
    if find_stray:
        for kind in chained_kinds():
            named = [run for load in report.loads for run in load.runs(kind.name)]
            rows = kind.model._default_manager.filter(
                ~Exists(ChainEntry.objects.filter(kind=kind.name, object_id=OuterRef("pk")))
            ).exclude(_in_runs(_merge(named)))
            count = rows.count()
            if count:
                report.stray[kind.name] = (count, list(rows.order_by("pk").values_list("pk", flat=True)[:20]))
    if pending:
        _link_all(pending={name: _merge(runs) for name, runs in pending.items()}, batch=batch, pool=pool, report=report)
    return report


def _link_all(*, pending: dict[str, Runs], batch: int, pool: Any, report: LinkReport) -> None:
    digest = hasher()
    n_shards = conf.shards()
    heads = {h.shard: h for h in ChainHead.objects.select_for_update().order_by("shard")}
    for shard in range(n_shards):
        if shard not in heads:
            heads[shard] = ChainHead.objects.create(shard=shard, entry_hash=GENESIS)
    now = timezone.now()  # after the locks, as in link(): along a chain, entries' times never go back
    created = _utc(now) or ""
    adapted_now = connection.ops.adapt_datetimefield_value(now)
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
        runs = pending.get(kind.name)
        if not runs:
            continue
        count = 0
        rows: list[tuple[Any, ...]] = []
        if pool:
            found: Iterable[ContentHash] = _hashes_in_parallel(pool, kind, runs)
        else:
            found = (hashed for low, high in runs for hashed in _content_hashes(kind.name, low, high))
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
            rows.append((shard, seq, kind.name, object_id, record_id, content_hash, entry_hash, adapted_now))
            count += 1
            if len(rows) >= batch:
                _insert_entries(rows)
                rows = []
        if rows:
            _insert_entries(rows)
        report.linked[kind.name] = count
    if rebuild:
        with connection.cursor() as cursor:
            cursor.execute(str(lookup_index.create_sql(ChainEntry, connection.schema_editor())))
    for shard, seq in seqs.items():
        if seq != heads[shard].seq:
            ChainHead.objects.filter(shard=shard).update(seq=seq, entry_hash=hashes[shard])


def adopt_sealed_rows() -> BulkLoad | None:
    """On upgrading to registered bulk loads: vouch for every row sealed so far (integrity migration 0003).

    Until then imports and the demo build sealed their rows afterwards without a registration, and verify would now
    report each of them as sealed late. What was sealed before the upgrade is accepted as it was — verify cannot tell,
    after the fact, a row sealed by an import from one laundered by the old `chain build`; nothing unsealed is
    adopted, and nothing is sealed by this registration ever."""
    runs = {}
    for kind in chained_kinds():
        bounds = ChainEntry.objects.filter(kind=kind.name).aggregate(low=Min("object_id"), high=Max("object_id"))
        if bounds["low"] is not None:
            runs[kind.name] = [(bounds["low"], bounds["high"])]
    if not runs:
        return None
    return load_register(actor=None, source="upgrade", runs=runs, adopt=True)


def chain_reseal(*, actor: Person | None = None, workers: int = 1) -> LinkReport:
    """Seal every row into an empty chain: after moving the database to the other engine, or to another algorithm.

    Refused while the chain has any entry — it would seal whatever is in the database as genuine. Digests exported
    before no longer match the new chain; that is what they are for: a re-seal nobody announced shows up there.
    """
    if ChainEntry.objects.exists():
        raise ValidationError({"chain": ["链不为空：只能在清空的链上重新入链（换数据库或换算法之后）。"]})
    with transaction.atomic():
        runs = {}
        for kind in chained_kinds():
            bounds = kind.model._default_manager.aggregate(low=Min("pk"), high=Max("pk"))
            if bounds["low"] is not None:
                runs[kind.name] = [(bounds["low"], bounds["high"])]
        load = load_register(actor=actor, source="chain.reseal", runs=runs)
    return link_rows(loads=[load], workers=workers)


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
