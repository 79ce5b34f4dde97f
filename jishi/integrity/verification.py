"""Walk the chain and the live rows; report every row changed, deleted or inserted behind Jishi's back.

Four passes, each one streaming rows in index order (no per-row query):
1. every chain: sequence numbers without gaps, each entry's hash recomputed from its predecessor, heads agreeing;
2. every chained kind: each live row's canonical hash against its entry — a row without entry was inserted,
   an entry without row was deleted, a different hash means the row was changed;
3. every record against its latest version (records change only by adding a version), and its author and
   submission time against its first;
4. given exported digests: their signatures, and each chain head they name against the database — this is what
   catches a restored older copy (entries missing) and a chain recomputed by someone without the key.
Then the hook integrity.cross_check: the apps above compare rows of theirs that are not chained (assessment's steps)
with the sealed audit events that recorded them.

Besides, in passes 1–3: a row sealed long after the time it claims (SEAL_GRACE) must lie in the id runs of a trusted
bulk-load registration (integrity.models.BulkLoad) — else it was sealed afterwards by someone laundering it — and
along one chain the entries' times never go back (an entry appended by hand with an earlier time).
"""

from __future__ import annotations

import bisect
import datetime
import hmac
import json
import multiprocessing
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connections, models
from django.db.models import Max, Min, QuerySet
from django.utils import timezone

from jishi.core.models import ReadableJSONEncoder
from jishi.core.processes import can_fork
from jishi.integrity import conf
from jishi.integrity.canonical import (
    GENESIS,
    KINDS,
    Kind,
    RawJSON,
    Row,
    _utc,
    as_text,
    chained_kinds,
    entry_text,
    hasher,
    parse_json,
)
from jishi.integrity.hooks import cross_check
from jishi.integrity.models import BulkLoad, ChainEntry, ChainHead
from jishi.integrity.services import DIGEST_FORMAT, SEAL_GRACE, load_problem, load_signature_problem, sign
from jishi.records.fields import SNAPSHOT_FIELDS
from jishi.records.models import RecordParticipant, RecordVersion, WorkRecord
from jishi.records.services import record_snapshot

CHANGED, DELETED, INSERTED, CHAIN, DIGEST, LATE = "changed", "deleted", "inserted", "chain", "digest", "late"
LABELS = {CHANGED: "改动", DELETED: "删除", INSERTED: "插入", CHAIN: "链", DIGEST: "摘要", LATE: "补入链"}
# content hash, record id, sealed at, and (canonical UTC text) the earliest row time that is not sealed late
Sealed = tuple[str, int | None, Any, str]

KIND_NAMES = {
    "version": "记实版本",
    "addendum": "补充说明",
    "event": "审计事件",
    "comment": "点评",
    "record": "记实",
    "load": "批量写入登记",
}


@dataclass
class Problem:
    """One thing found: what happened, to which row of which record, and when the row was written."""

    what: str
    kind: str
    object_id: int | None
    record_id: int | None
    when: str | None
    detail: str
    kind_name: str = ""  # the kind's name in Chinese for a kind verify does not know (an integrity.cross_check's)

    def line(self) -> str:
        where = f"记实 #{self.record_id} " if self.record_id is not None else ""
        name = self.kind_name or KIND_NAMES.get(self.kind, self.kind)
        obj = f"{name} #{self.object_id}" if self.object_id is not None else ""
        when = f"（{self.when}）" if self.when else ""
        return f"[{LABELS[self.what]}] {where}{obj}{when}：{self.detail}"


@dataclass
class Report:
    """The result of one verification."""

    problems: list[Problem] = field(default_factory=list)
    entries: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    records: int = 0
    digests: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, what: str, kind: str, object_id: int | None, record_id: int | None, when: Any, detail: str) -> None:
        if isinstance(when, datetime.datetime):
            when = timezone.localtime(when).strftime("%Y-%m-%d %H:%M:%S")
        elif isinstance(when, str) and "T" in when:  # a canonical UTC time
            when = timezone.localtime(datetime.datetime.fromisoformat(when)).strftime("%Y-%m-%d %H:%M:%S")
        self.problems.append(Problem(what, kind, object_id, record_id, when, detail))


class DigestError(Exception):
    """The digest directory is missing, empty or unreadable."""


def load_digests(directory: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every digest file in `directory`, oldest first; raises DigestError when there is none to check."""
    if not directory.is_dir():
        raise DigestError(f"摘要目录不存在：{directory}")
    found = []
    for path in sorted(directory.glob("jishi-digest-*.json")):
        try:
            found.append((path, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError) as exc:
            raise DigestError(f"无法读取摘要文件 {path.name}：{exc}") from exc
    if not found:
        raise DigestError(f"摘要目录中没有摘要文件（jishi-digest-YYYY-MM-DD.json）：{directory}")
    return found


def _check_digest_documents(
    report: Report, documents: list[tuple[Path, dict[str, Any]]]
) -> dict[tuple[int, int], list[tuple[str, str]]]:
    """Signatures and format; returns the chain positions each digest pins, {(shard, seq): [(file, hash)]}."""
    key = conf.signing_key()
    pins: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for path, document in documents:
        name = path.name
        if (
            not isinstance(document, dict)
            or document.get("format") != DIGEST_FORMAT
            or not isinstance(document.get("chains"), dict)
        ):
            report.add(DIGEST, "digest", None, None, None, f"{name} 不是记实的摘要文件。")
            continue
        body = {k: v for k, v in document.items() if k != "signature"}
        signature = document.get("signature")
        if document.get("algorithm") != conf.algorithm():
            report.add(
                DIGEST, "digest", None, None, None, f"{name} 使用 {document.get('algorithm')}，与当前设置的算法不同。"
            )
            continue
        if key:
            if not signature:
                report.add(
                    DIGEST, "digest", None, None, None, f"{name} 没有签名，但系统配置了签名密钥：摘要可能被替换。"
                )
                continue
            if not hmac.compare_digest(str(signature), sign(body, key)):
                report.add(
                    DIGEST, "digest", None, None, None, f"{name} 签名不符：摘要被改动、被替换，或密钥不是签名时的密钥。"
                )
                continue
        elif signature:
            report.add(DIGEST, "digest", None, None, None, f"{name} 已签名，但没有配置密钥，无法核对签名。")
            continue
        for shard, pin in document["chains"].items():
            pins.setdefault((int(shard), int(pin["seq"])), []).append((name, str(pin["hash"])))
        report.digests += 1
    return pins


def _walk_chains(report: Report, pins: dict[tuple[int, int], list[tuple[str, str]]]) -> dict[str, dict[int, Sealed]]:
    """Pass 1 (and the digest pins); returns, per kind, {object id: (content hash, record id, sealed at)}."""
    digest = hasher()
    sealed: dict[str, dict[int, Sealed]] = {}
    heads = {h.shard: h for h in ChainHead.objects.all()}
    last: dict[int, tuple[int, str]] = {}
    shard, prev, expected = -1, GENESIS, 1
    rows = ChainEntry.objects.order_by("shard", "seq").values_list(
        "shard", "seq", "kind", "object_id", "record_id", "content_hash", "entry_hash", "created_at"
    )
    raw_time, created, moment, cutoff = None, "", None, ""
    latest, floor = "", ""  # along the chain: the latest time sealed so far, and that time less SEAL_GRACE
    for s, seq, kind, object_id, record_id, content_hash, entry_hash, created_at in _raw(rows):
        if created_at != raw_time:  # entries sealed together share their time: convert it once
            raw_time, created, moment = created_at, _utc(created_at) or "", _aware(created_at)
            cutoff = (_utc(moment - SEAL_GRACE) or "") if moment else ""
        created_at = moment
        if s != shard:
            shard, prev, expected, latest, floor = s, GENESIS, 1, "", ""
        if created < floor:
            report.add(
                CHAIN,
                kind,
                object_id,
                record_id,
                created_at,
                f"链 #{s} 序号 {seq} 的入链时间早于它之前的链节：链节是后来按倒填的时间补写的。",
            )
        elif created > latest:
            latest, floor = created, cutoff
        if seq != expected:
            report.add(
                CHAIN,
                kind,
                object_id,
                record_id,
                created_at,
                f"链 #{s} 缺少序号 {expected}–{seq - 1} 的链节：链节被删除。",
            )
        else:
            computed = digest(
                entry_text(
                    prev=prev,
                    shard=s,
                    seq=seq,
                    kind=kind,
                    object_id=object_id,
                    record_id=record_id,
                    created_at=created,
                    content_hash=content_hash,
                )
            ).hexdigest()
            if computed != entry_hash:
                report.add(
                    CHAIN,
                    kind,
                    object_id,
                    record_id,
                    created_at,
                    f"链 #{s} 序号 {seq} 的链节被改动，与前一链节不衔接。",
                )
        for file, pinned in pins.get((s, seq), ()):
            if pinned != entry_hash:
                report.add(
                    DIGEST,
                    kind,
                    object_id,
                    record_id,
                    created_at,
                    f"链 #{s} 序号 {seq} 与摘要 {file} 不符：链在数据库中被重算或改写，此前的记录可能被改动。",
                )
        prev, expected = entry_hash, seq + 1
        last[s] = (seq, entry_hash)
        report.entries += 1
        by_kind = sealed.setdefault(kind, {})
        if object_id in by_kind:
            report.add(CHAIN, kind, object_id, record_id, created_at, "同一行在链中出现两次。")
        by_kind[object_id] = (content_hash, record_id, created_at, cutoff)
    for (s, seq), pinned_by in pins.items():
        if seq > last.get(s, (0, ""))[0]:
            for file, _ in pinned_by:
                report.add(
                    DIGEST,
                    "chain",
                    None,
                    None,
                    None,
                    f"摘要 {file} 记载链 #{s} 已到序号 {seq}，数据库只到 {last.get(s, (0, ''))[0]}："
                    "此后的链节和记录不见了（被删除，或数据库被恢复到旧副本）。",
                )
    for s, head in heads.items():
        seq, entry_hash = last.get(s, (0, GENESIS))
        if head.seq != seq or head.entry_hash != entry_hash:
            report.add(
                CHAIN,
                "chain",
                None,
                None,
                None,
                f"链 #{s} 的链头（序号 {head.seq}）与最后一个链节（序号 {seq}）不符：链尾被删除或被追加。",
            )
    return sealed


class _Loads:
    """The id runs of the trusted bulk-load registrations, per kind: where a row may be sealed after its time."""

    def __init__(self, loads: list[BulkLoad]) -> None:
        Span = tuple[int, int, int, datetime.datetime, bool]  # first, last, registration, registered at, adopted
        self.by_kind: dict[str, tuple[list[int], list[Span], list[int]]] = {}
        spans: dict[str, list[Span]] = {}
        for load in loads:
            for name in load.rows:
                for first, last in load.runs(name):
                    spans.setdefault(name, []).append((first, last, load.pk, load.registered_at, load.adopted(name)))
        for name, runs in spans.items():
            runs.sort()
            reach, reaches = 0, []
            for run in runs:
                reach = max(reach, run[1])
                reaches.append(reach)
            self.by_kind[name] = ([run[0] for run in runs], runs, reaches)

    def load_of(self, kind: str, object_id: int, sealed_at: datetime.datetime | None = None) -> int | None:
        """The registration naming this row, or None: one made before it was sealed at `sealed_at` — or, for one
        that adopted sealed rows, after. Without `sealed_at` (a row not sealed yet): one that may still seal it."""
        found = self.by_kind.get(kind)
        if found is None:
            return None
        starts, runs, reaches = found
        i = bisect.bisect_right(starts, object_id) - 1
        while i >= 0 and reaches[i] >= object_id:
            first, last, pk, registered_at, adopted = runs[i]
            if first <= object_id <= last:
                if sealed_at is None and not adopted:
                    return pk
                if sealed_at is not None and (sealed_at <= registered_at if adopted else registered_at <= sealed_at):
                    return pk
            i -= 1
        return None


# The trusted registrations, and (with a key set) the unsigned ones no digest vouches for; set before worker
# processes fork (like _SEALED_VERSIONS).
_LOADS = _Loads([])
_UNPROVEN = _Loads([])


def _check_row(report: Report, kind: Kind, row: Row, entries: dict[int, Sealed], digest: Any) -> None:
    entry = entries.pop(row.object_id, None)
    when = row.canonical.get(kind.time)
    if entry is None:
        load = _LOADS.load_of(kind.name, row.object_id)
        detail = (
            f"这一行属于批量写入登记 #{load}，尚未入链：运行 jishi chain build。"
            if load
            else "这一行不在链中：绕过记实直接写入。"
        )
        report.add(INSERTED, kind.name, row.object_id, row.record_id, when, detail)
    elif digest(row.text()).hexdigest() != entry[0] or row.record_id != entry[1]:
        report.add(CHANGED, kind.name, row.object_id, row.record_id, when, "内容与入链时不同：被直接改动。")
    elif when is not None and when < entry[3] and _LOADS.load_of(kind.name, row.object_id, entry[2]) is None:
        sealed_at = timezone.localtime(entry[2]).strftime("%Y-%m-%d %H:%M:%S")
        unproven = _UNPROVEN.load_of(kind.name, row.object_id, entry[2])
        why = (
            f"它所属的批量写入登记 #{unproven} 没有签名（已配置 JISHI_CHAIN_KEY），也没有导出的摘要证明它早已入链"
            "（用 --digests 核对）"
            if unproven
            else "又不属于任何登记的批量写入"
        )
        report.add(
            LATE,
            kind.name,
            row.object_id,
            row.record_id,
            when,
            f"这一行 {sealed_at} 才入链，远晚于它记载的写入时间，{why}："
            "不是写入时入链的，可能是直接写入数据库后被补入了链。",
        )


def _trusted_loads(
    report: Report, sealed: dict[str, dict[int, Sealed]], pins: dict[tuple[int, int], list[tuple[str, str]]]
) -> tuple[list[BulkLoad], list[BulkLoad]]:
    """The registrations to trust: in the chain as sealed, with a valid signature if they carry one — and, when a
    key is set, an unsigned one (registered before the key was) only if a digest given pins a later point of its chain,
    proving it existed then (else anyone who computes a chain entry by hand could vouch for rows claiming any time).
    Returns (trusted, unsigned ones no digest vouches for). A wrong signature is reported here; an unsealed or
    changed registration is reported by pass 2, like any row."""
    entries = sealed.get("load", {})
    loads = {load.pk: load for load in BulkLoad.objects.all()}
    if not loads:
        return [], []
    key = conf.signing_key()
    reach: dict[int, int] = {}  # per chain, the furthest seq a digest pins
    for shard, seq in pins:
        reach[shard] = max(reach.get(shard, 0), seq)
    positions = {
        object_id: (shard, seq)
        for object_id, shard, seq in ChainEntry.objects.filter(kind="load").values_list("object_id", "shard", "seq")
    }
    trusted: list[BulkLoad] = []
    unproven: list[BulkLoad] = []
    for row in KINDS["load"].rows():
        load, entry = loads[row.object_id], entries.get(row.object_id)
        problem = load_problem(load, row, entry[0] if entry else None, require_signature=False)
        if problem is None and key and not load.signature:
            shard, seq = positions[load.pk]
            (trusted if reach.get(shard, 0) >= seq else unproven).append(load)
        elif problem is None:
            trusted.append(load)
        elif entry is not None and (forged := load_signature_problem(load)):
            # The chain walk reports a registration missing from the chain or changed after sealing; a signature
            # made without this system's key it cannot see.
            report.add(CHANGED, "load", row.object_id, None, row.canonical.get("registered_at"), forged)
    return trusted, unproven


def _report_deleted(report: Report, name: str, entries: dict[int, Sealed]) -> None:
    label = "" if name in KINDS else f"（未知类型 {name}，其表已不可用）"
    for object_id, (_, record_id, created_at, _) in sorted(entries.items()):
        report.add(
            DELETED, name, object_id, record_id, created_at, f"链中有这一行，数据库中已没有：被直接删除。{label}"
        )


def _check_rows(report: Report, sealed: dict[str, dict[int, Sealed]]) -> None:
    """Pass 2: every live row of every chained kind but versions (pass 3 reads those) against its entry."""
    digest = hasher()
    for kind in chained_kinds():
        if kind.name == "version":
            continue
        entries = sealed.pop(kind.name, {})
        count = 0
        for row in kind.rows():
            count += 1
            _check_row(report, kind, row, entries, digest)
        report.rows[kind.name] = count
        _report_deleted(report, kind.name, entries)


def _aware(value: datetime.datetime | str | None) -> datetime.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=datetime.UTC)


def _date(value: datetime.date | str) -> datetime.date:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


# What pass 3 reads of each record: the fields record_snapshot writes (records.fields declares them, so a field added
# there is read here too), and what verify itself compares (the version, the author and submission time, the import).
_RECORD_COLUMNS = tuple(
    dict.fromkeys(
        (
            "id",
            *(f.source for f in SNAPSHOT_FIELDS),
            "author_id",
            "submitted_at",
            "import_batch_id",
            "version",
            "withdrawn_at",
            "withdrawal_reason",
        )
    )
)


def _converter(name: str) -> Any:
    """What turns a raw value of the column into what the model would hold (SQLite hands dates and times as text,
    booleans as integers); None: it stays as read."""
    field = WorkRecord._meta.get_field(name)
    if isinstance(field, models.DateTimeField):
        return _aware
    if isinstance(field, models.DateField):
        return _date
    return bool if isinstance(field, models.BooleanField) else None


# submitted_at stays as read: it is only compared through _utc.
_RECORD_CONVERT = tuple(
    (name, convert) for name in _RECORD_COLUMNS if name != "submitted_at" and (convert := _converter(name)) is not None
)


class _RecordRow:
    """The fields record_snapshot reads, from one raw row (no model instance: this runs 700,000 times)."""

    id: int
    author_id: int
    import_batch_id: int | None
    submitted_at: datetime.datetime | str
    version: int
    withdrawn_at: datetime.datetime | None

    __slots__ = _RECORD_COLUMNS

    def __init__(self, values: tuple[Any, ...]) -> None:
        for name, value in zip(self.__slots__, values, strict=True):
            setattr(self, name, value)
        for name, convert in _RECORD_CONVERT:
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, convert(value))


def _raw(queryset: QuerySet[Any], chunk: int = 10_000) -> Iterator[tuple[Any, ...]]:
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(chunk):
            yield from batch


def _by_record(rows: Iterator[Any], key: Any) -> Iterator[tuple[int, list[Any]]]:
    """(record id, its rows) from rows ordered by record id."""
    current: int | None = None
    group: list[Any] = []
    for row in rows:
        record_id = key(row)
        if record_id != current:
            if current is not None:
                yield current, group
            current, group = record_id, []
        group.append(row)
    if current is not None:
        yield current, group


class _Versions:
    """The versions of each record in turn, every one checked against its chain entry as it passes."""

    def __init__(self, report: Report, entries: dict[int, Sealed], queryset: QuerySet[Any]) -> None:
        self.report, self.entries, self.kind, self.digest = report, entries, KINDS["version"], hasher()
        rows = self.kind.rows(queryset, order=("record_id", "number"))
        self.groups = _by_record(rows, lambda row: row.record_id)
        self.pending = next(self.groups, None)
        self.count = 0
        self.matched: list[int] = []  # versions found with an entry: a worker hands these back

    def of(self, record_id: int) -> list[Row]:
        """The versions of `record_id`; versions of records no longer there are reported on the way."""
        while self.pending is not None and self.pending[0] <= record_id:
            owner, rows = self.pending
            self.pending = next(self.groups, None)
            self.count += len(rows)
            for row in rows:
                if row.object_id in self.entries:
                    self.matched.append(row.object_id)
                _check_row(self.report, self.kind, row, self.entries, self.digest)
            if owner == record_id:
                return rows
            when = rows[0].canonical["changed_at"]
            self.report.add(DELETED, "record", None, owner, when, "记实已被直接删除，只剩其版本。")
        return []


_SNAPSHOT_ENCODER = ReadableJSONEncoder()


def _same(snapshot: dict[str, Any], stored: Any) -> bool:
    """Does a version's data say what the record says? On SQLite `stored` is the text Jishi wrote: compare text
    first (one encode), and parse only when it differs (an older key order is not a change)."""
    if isinstance(stored, RawJSON):
        if _SNAPSHOT_ENCODER.encode(snapshot) == stored:
            return True
        stored = parse_json(stored)
    return bool(snapshot == stored)


def _check_record_range(report: Report, entries: dict[int, Sealed], low: int | None, high: int | None) -> _Versions:
    """Pass 3 for records with low ≤ id < high (None: unbounded): every version against its entry, every record
    against its versions, in one merge by record.

    A record changes only by adding a version, so it must equal its latest; its author and submission time
    are those of its first (imports excepted: they enter the history at the import, by the importer).
    """

    def bounded(queryset: QuerySet[Any], field: str) -> QuerySet[Any]:
        if low is not None:
            queryset = queryset.filter(**{f"{field}__gte": low})
        if high is not None:
            queryset = queryset.filter(**{f"{field}__lt": high})
        return queryset

    versions = _Versions(report, entries, bounded(RecordVersion.objects.all(), "record_id"))
    columns: list[Any] = list(_RecordRow.__slots__)
    if connections[WorkRecord.objects.db].vendor == "sqlite":
        columns = [as_text(WorkRecord, name) for name in columns]
    records = _raw(bounded(WorkRecord.objects.all(), "id").order_by("id").values_list(*columns))
    participants = _by_record(
        _raw(
            bounded(RecordParticipant.objects.all(), "record_id")
            .order_by("record_id", "id")
            .values_list("record_id", "person_id", "unit_id", "contact_name")
        ),
        lambda values: values[0],
    )
    next_parts = next(participants, None)
    for values in records:
        record = _RecordRow(values)
        report.records += 1
        history = versions.of(record.id)
        while next_parts is not None and next_parts[0] < record.id:
            next_parts = next(participants, None)
        parts = next_parts[1] if next_parts is not None and next_parts[0] == record.id else []
        if not history:
            report.add(
                INSERTED,
                "record",
                record.id,
                record.id,
                _aware(record.submitted_at),
                "记实没有任何版本：绕过记实直接写入。",
            )
            continue
        first, latest = history[0].canonical, history[-1].canonical
        snapshot = record_snapshot(
            record,  # type: ignore[arg-type]
            [{"person": p, "unit": u, "contact_name": c} for _, p, u, c in parts],
        )
        if latest["number"] != record.version or not _same(snapshot, latest["data"]):
            detail = f"记实与其最新版本（第 {latest['number']} 版）不符：被直接改动。"
            report.add(CHANGED, "record", record.id, record.id, _aware(record.submitted_at), detail)
        elif record.import_batch_id is None and (
            first["changed_by_id"] != record.author_id or first["changed_at"] != _utc(record.submitted_at)
        ):
            report.add(
                CHANGED,
                "record",
                record.id,
                record.id,
                _aware(record.submitted_at),
                "记录人或提交时间与第 1 版不符：被直接改动。",
            )
    versions.of(2**63 - 1)
    return versions


# The sealed versions, set before worker processes fork: they read it (copy-on-write) instead of receiving it.
_SEALED_VERSIONS: dict[int, Sealed] = {}


def _record_range_task(bounds: tuple[int | None, int | None]) -> tuple[list[Problem], int, int, list[int]]:
    report = Report()
    versions = _check_record_range(report, _SEALED_VERSIONS, *bounds)
    return report.problems, report.records, versions.count, versions.matched


def _record_ranges(step: int) -> list[tuple[int | None, int | None]]:
    bounds = WorkRecord.objects.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return [(None, None)]
    cuts = list(range(bounds["low"] + step, bounds["high"] + 1, step))
    lows: list[int | None] = [None, *cuts]
    highs: list[int | None] = [*cuts, None]
    return list(zip(lows, highs, strict=True))


def _workers_possible(workers: int) -> bool:
    """Worker processes read committed rows on their own connections: not inside a transaction, not in memory, and
    only forked from a process running one thread (core.processes.can_fork)."""
    connection = connections["default"]
    if workers < 2 or connection.in_atomic_block or not can_fork():
        return False
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())  # type: ignore[attr-defined]


def verify(*, digests: list[tuple[Path, dict[str, Any]]] | None = None, workers: int = 1) -> Report:
    """Verify the whole history (and, given exported digests, the chain against them).

    With `workers` > 1 (outside a transaction), pass 3 — versions and records, most of the work — runs in that
    many processes over ranges of record ids while this one checks the other kinds.
    """
    global _SEALED_VERSIONS, _LOADS, _UNPROVEN
    report = Report()
    started = time.perf_counter()
    pins = _check_digest_documents(report, digests) if digests else {}
    sealed = _walk_chains(report, pins)
    trusted, unproven = _trusted_loads(report, sealed, pins)
    _LOADS, _UNPROVEN = _Loads(trusted), _Loads(unproven)
    report.seconds["chain"] = time.perf_counter() - started
    mark = time.perf_counter()
    entries = sealed.pop("version", {})
    if _workers_possible(workers):
        ranges = _record_ranges(step=50_000)
        _SEALED_VERSIONS = entries
        connections.close_all()  # each worker opens its own connection; none may inherit this one
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pending = pool.map_async(_record_range_task, ranges)
            _check_rows(report, sealed)
            report.seconds["rows"] = time.perf_counter() - mark
            results = pending.get()
        _SEALED_VERSIONS = {}
        count = 0
        for problems, records, versions, matched in results:
            report.problems += problems
            report.records += records
            count += versions
            for object_id in matched:
                entries.pop(object_id, None)
        report.rows["version"] = count
    else:
        _check_rows(report, sealed)
        report.seconds["rows"] = time.perf_counter() - mark
        report.rows["version"] = _check_record_range(report, entries, None, None).count
    _report_deleted(report, "version", entries)
    report.seconds["records"] = time.perf_counter() - mark - report.seconds["rows"]
    for name, entries in sealed.items():  # kinds no longer installed
        _report_deleted(report, name, entries)
    mark = time.perf_counter()
    for found in cross_check.run():  # the apps above: their rows against the events just proved unchanged
        report.problems += found
    report.seconds["cross_check"] = time.perf_counter() - mark
    _LOADS = _UNPROVEN = _Loads([])
    report.seconds["total"] = time.perf_counter() - started
    return report
