"""Writes to the search index: keep it current on every record write, rebuild it set-based for bulk loads.

Indexing is a system operation on the index itself, not a read on anyone's behalf: it reads records without
visibility, and the visibility rule is applied when a reader searches (selectors.py).
"""

from __future__ import annotations

import fcntl
import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet

from jishi.records.fields import CONTENT_TEXT_FIELDS
from jishi.records.models import Addendum, WorkRecord
from jishi.search.terms import index_text, tsvector_literal

# What a reader sees of a record's content and may search for (records.fields: its content text fields), with its
# addenda; all of it is hidden together when the content is (records/rules.py content_q, the detail page), so one
# document per record is enough.
SOURCE_FIELDS = CONTENT_TEXT_FIELDS
CHUNK = 20_000
Rows = list[tuple[Any, ...]]  # (record id, content, place, result, reflection, addenda)
Documents = list[tuple[int, str]]

# prefix='1': FTS5 also keeps each term under its first character, so a one-character query (会, a prefix match:
# every pair starting with 会) reads one list instead of merging hundreds — and can seek by rowid (selectors.py's
# newest-first windows). Without it, 会 merged half the index on every search: 60 ms at 723k records, 10x that at 10x.
SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE search_entry USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0', prefix = '1')"
)
POSTGRESQL_INDEX = "CREATE INDEX search_entry_terms ON search_entry USING gin (terms)"
SQLITE_BUILDING = "search_entry_building"  # SQLite's index while a live rebuild builds it beside the live one
REBUILD_LOCK = 7_391_500_001  # PostgreSQL advisory lock key of the live rebuild


@dataclass
class RebuildReport:
    """What a rebuild did and how long its parts took (the demo build prints it)."""

    records: int = 0
    seconds_terms: float = 0.0  # reading records and waiting for their terms
    seconds_writing: float = 0.0
    seconds_total: float = 0.0


def _documents(rows: Rows, *, postgresql: bool) -> Documents:
    if postgresql:
        return [(pk, tsvector_literal(index_text(*texts))) for pk, *texts in rows]
    return [(pk, index_text(*texts)) for pk, *texts in rows]


def _write(documents: Documents, *, replace: bool) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if replace:
                sql = (
                    "INSERT INTO search_entry (rowid, terms) VALUES (%s, %s::tsvector) "
                    "ON CONFLICT (rowid) DO UPDATE SET terms = EXCLUDED.terms"
                )
                cursor.executemany(sql, documents)
            else:
                with cursor.copy("COPY search_entry (rowid, terms) FROM STDIN") as copy:
                    for row in documents:
                        copy.write_row(row)
            return
        if replace:
            marks = ", ".join(["%s"] * len(documents))
            cursor.execute(f"DELETE FROM search_entry WHERE rowid IN ({marks})", [pk for pk, _ in documents])
        cursor.executemany("INSERT INTO search_entry (rowid, terms) VALUES (%s, %s)", documents)


def _with_addenda(rows: list[tuple[Any, ...]], addenda: QuerySet[Addendum]) -> Rows:
    """Each record's fields followed by its addenda (补充说明) as one more text."""
    texts: dict[int, list[str]] = {}
    for record_id, content in addenda.order_by("record_id", "created_at", "id").values_list("record_id", "content"):
        texts.setdefault(record_id, []).append(content)
    return [(*row, "\n".join(texts.get(row[0], ()))) for row in rows]


@transaction.atomic
def index_records(record_ids: Iterable[int]) -> int:
    """(Re)index these records — after a bulk write or a repair; returns how many were indexed."""
    ids = sorted(set(record_ids))
    done = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        fields = list(WorkRecord.objects.filter(pk__in=chunk).order_by().values_list("pk", *SOURCE_FIELDS))
        if fields:
            rows = _with_addenda(fields, Addendum.objects.filter(record_id__in=chunk))
            _write(_documents(rows, postgresql=connection.vendor == "postgresql"), replace=True)
        done += len(fields)
    return done


@transaction.atomic
def index_new_records(first: int, last: int) -> int:
    """Index the records first..last (ids) that a bulk write has just created, in its transaction.

    New records have no addenda, so there is nothing to read but their fields, and no entries to replace: the
    documents are appended (COPY on PostgreSQL) instead of upserted one by one, which took an import of 100,000
    records 14.6 s on PostgreSQL. Entries that may remain under these ids (a record deleted by hand, whose id came
    round again) are cleared first, in one ranged statement.
    """
    if last < first:
        return 0
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_entry WHERE rowid BETWEEN %s AND %s", [first, last])
    done = 0
    records = WorkRecord.objects.filter(pk__range=(first, last)).order_by("pk")
    for start in range(first, last + 1, CHUNK):
        chunk = records.filter(pk__range=(start, min(start + CHUNK - 1, last)))
        rows = [(*fields, "") for fields in chunk.values_list("pk", *SOURCE_FIELDS)]
        if rows:
            _write(_documents(rows, postgresql=postgresql), replace=False)
        done += len(rows)
    return done


def index_record(record: WorkRecord, *, new: bool = False) -> None:
    """Index one record as it now stands, from the record services (same transaction as the write). A `new`
    record has no addenda and no entry yet: nothing to read or replace."""
    addenda = "" if new else "\n".join(record.addenda.order_by("created_at", "id").values_list("content", flat=True))
    document = index_text(*(getattr(record, name) for name in SOURCE_FIELDS), addenda)
    if connection.vendor == "postgresql":
        document = tsvector_literal(document)
    _write([(record.pk, document)], replace=not new)


def _write_beside_live_writes(documents: Documents) -> None:
    """COPY straight into the index; if a live write has meanwhile indexed one of these records (an edit of an old
    record), COPY them into a scratch table instead and add only what is still missing, in one statement."""
    with connection.cursor() as cursor:
        try:
            with cursor.copy("COPY search_entry (rowid, terms) FROM STDIN") as copy:
                for row in documents:
                    copy.write_row(row)
            return
        except Exception as exc:  # psycopg's UniqueViolation: in autocommit only this COPY is undone
            if getattr(exc, "sqlstate", None) != "23505":
                raise
        with cursor.copy("COPY search_load (rowid, terms) FROM STDIN") as copy:
            for row in documents:
                copy.write_row(row)
        cursor.execute("INSERT INTO search_entry SELECT * FROM search_load ON CONFLICT (rowid) DO NOTHING")
        cursor.execute("TRUNCATE search_load")


class RebuildRunning(RuntimeError):
    """Another live rebuild is filling the index: two would each drop what the other builds."""


@contextmanager
def _one_live_rebuild() -> Iterator[None]:
    """Hold the rebuild lock: a PostgreSQL advisory lock, or on SQLite a file lock beside the database. Both are
    released when the process ends, however it ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [REBUILD_LOCK])
            if not cursor.fetchone()[0]:
                raise RebuildRunning("另一个检索索引重建正在进行。")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [REBUILD_LOCK])
        return
    with (Path(settings.DATA_DIR) / "search-rebuild.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RebuildRunning("另一个检索索引重建正在进行。") from None
        yield


def _write_building(documents: Documents) -> None:
    """SQLite: into the table being built, one transaction per chunk, so live writes wait a moment at most."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {SQLITE_BUILDING} (rowid, terms) VALUES (%s, %s)", documents)


def _swap_in_building() -> None:
    """SQLite: one segment, as in a full rebuild (the live table is not touched meanwhile); then, in one short
    transaction, the entries live writes made meanwhile (newer) replace the built ones and the table takes the
    live one's place."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {SQLITE_BUILDING} ({SQLITE_BUILDING}) VALUES ('optimize')")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SQLITE_BUILDING} WHERE rowid IN (SELECT rowid FROM search_entry)")
        cursor.execute(f"INSERT INTO {SQLITE_BUILDING} (rowid, terms) SELECT rowid, terms FROM search_entry")
        cursor.execute("DROP TABLE search_entry")
        cursor.execute(f"ALTER TABLE {SQLITE_BUILDING} RENAME TO search_entry")


def index_defer() -> None:
    """Empty the index and mark it as not built, before a bulk load that a live rebuild will index afterwards;
    `index_ready` is then False until that rebuild has finished, also if Jishi stops before it has.

    PostgreSQL: no entries and no GIN index. SQLite: no entries, and the table a live rebuild builds exists.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS search_entry_terms")
            cursor.execute("TRUNCATE search_entry")
        else:
            cursor.execute("DROP TABLE IF EXISTS search_entry")
            cursor.execute(SQLITE_CREATE)
            cursor.execute(SQLITE_CREATE.replace("search_entry", f"IF NOT EXISTS {SQLITE_BUILDING}", 1))


def index_ready() -> bool:
    """False from `index_defer` until a live rebuild has finished (searches meanwhile miss what is not indexed)."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [SQLITE_BUILDING])
            return cursor.fetchone() is None
        # A CONCURRENTLY build that failed leaves an invalid index behind: that is no index.
        cursor.execute(
            "SELECT i.indisvalid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid "
            "WHERE c.relname = 'search_entry_terms'"
        )
        row = cursor.fetchone()
        return bool(row and row[0])


def _chunks(upto: int | None = None) -> Iterator[Rows]:
    records = WorkRecord.objects.order_by("pk").values_list("pk", *SOURCE_FIELDS)
    if upto is not None:
        records = records.filter(pk__lte=upto)
    last = 0
    while True:
        fields = list(records.filter(pk__gt=last)[:CHUNK])
        if not fields:
            return
        first, last = fields[0][0], fields[-1][0]
        yield _with_addenda(fields, Addendum.objects.filter(record_id__gte=first, record_id__lte=last))


def _ahead(pool: Pool, function: Callable[[Rows], Documents], items: Iterator[Rows], depth: int) -> Iterator[Documents]:
    """function(item) for each item in order, up to `depth` next ones computed by the pool meanwhile.

    Items are read here, in the caller's thread (the database connection belongs to it), not by the pool's feeder.
    """
    pending: deque[AsyncResult[Documents]] = deque()
    for item in items:
        pending.append(pool.apply_async(function, (item,)))
        if len(pending) > depth:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def index_rebuild(*, parallel: bool = True, live: bool = False) -> RebuildReport:
    """Index every record from scratch, set-based: for the demo build, a bulk import, or after a restore.

    Chunks of records are read in id order, turned into terms and written; PostgreSQL builds its GIN index once
    at the end. With `parallel`, forked processes compute the terms of the next chunks while this one writes
    (the workers never touch the database). A thread does not do: the writer then waits for the GIL on every
    row and the whole takes several times longer.

    `live` fills an empty index (`index_defer`) while Jishi serves — the demo world is ready before its index
    (issue 3). Record writes keep indexing themselves meanwhile, and only the records that existed when the rebuild
    began are read; an entry a live write made meanwhile is kept, as it is the newer one. On PostgreSQL the entries
    go into the live table (COPY, or through a scratch table where a live write got there first) and the GIN index
    is built CONCURRENTLY, so that no write waits for it. On SQLite, with its one writer, they go into a second
    FTS5 table in short transactions, and one short transaction at the end adds the live table's entries to it and
    puts it in the live table's place. Until then searches miss what is not yet indexed (`index_ready` tells the
    search page). Otherwise the rebuild is one transaction.
    """
    if live:  # short transactions of its own; CREATE INDEX CONCURRENTLY must run outside any
        with _one_live_rebuild():
            return _rebuild(parallel=parallel, live=True)
    with transaction.atomic():
        return _rebuild(parallel=parallel, live=False)


def _rebuild(*, parallel: bool, live: bool) -> RebuildReport:
    report = RebuildReport()
    started = time.perf_counter()
    postgresql = connection.vendor == "postgresql"
    upto = None
    with connection.cursor() as cursor:
        if live and not postgresql:
            cursor.execute("PRAGMA cache_size = -262144")
            with transaction.atomic():  # the table is never missing: index_ready stays False throughout
                cursor.execute(f"DROP TABLE IF EXISTS {SQLITE_BUILDING}")
                cursor.execute(SQLITE_CREATE.replace("search_entry", SQLITE_BUILDING))
            upto = WorkRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        elif live:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            cursor.execute("DROP INDEX IF EXISTS search_entry_terms")
            cursor.execute("CREATE TEMPORARY TABLE IF NOT EXISTS search_load (rowid bigint, terms tsvector)")
            upto = WorkRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        elif postgresql:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute("DROP INDEX IF EXISTS search_entry_terms")
            cursor.execute("TRUNCATE search_entry")
        else:
            # FTS5 merges its segments as it goes: with the default 2 MB page cache it rereads them from disk.
            cursor.execute("PRAGMA cache_size = -262144")
            # Emptying an FTS5 table row by row costs as much as filling it; recreating it costs nothing.
            cursor.execute("DROP TABLE IF EXISTS search_entry")
            cursor.execute(SQLITE_CREATE)
            cursor.execute(f"DROP TABLE IF EXISTS {SQLITE_BUILDING}")  # what a stopped live rebuild left
    terms = partial(_documents, postgresql=postgresql)
    write: Callable[[Documents], None] = partial(_write, replace=False)
    if live:
        write = _write_beside_live_writes if postgresql else _write_building
    with ExitStack() as stack:
        if parallel:
            # SQLite's writes are done here and keep this process busy: one worker keeps up. PostgreSQL's COPY and
            # index build run in the server, and building tsvector text is the slower part: two workers.
            workers = 2 if postgresql else 1
            pool = stack.enter_context(multiprocessing.get_context("fork").Pool(workers))
            batches: Iterator[Documents] = _ahead(pool, terms, _chunks(upto), depth=workers)
        else:
            batches = map(terms, _chunks(upto))
        while True:
            moment = time.perf_counter()
            documents = next(batches, None)
            report.seconds_terms += time.perf_counter() - moment
            if documents is None:
                break
            moment = time.perf_counter()
            write(documents)
            report.seconds_writing += time.perf_counter() - moment
            report.records += len(documents)
    moment = time.perf_counter()
    with connection.cursor() as cursor:
        if live and not postgresql:
            _swap_in_building()
        elif live:
            cursor.execute("DROP TABLE search_load")
            cursor.execute(POSTGRESQL_INDEX.replace("CREATE INDEX", "CREATE INDEX CONCURRENTLY"))
            cursor.execute("ANALYZE search_entry")
        elif postgresql:
            cursor.execute(POSTGRESQL_INDEX)
            cursor.execute("ANALYZE search_entry")
        else:
            # One segment instead of the dozens a bulk load leaves: asking the index about one record (newest-first
            # pages of common words) then seeks one doclist, not one per segment — 公室 went from 108 ms to 13 ms.
            cursor.execute("INSERT INTO search_entry (search_entry) VALUES ('optimize')")
    report.seconds_writing += time.perf_counter() - moment
    report.seconds_total = time.perf_counter() - started
    return report
