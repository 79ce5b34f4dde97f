"""Substance over traces (重绩不重痕): assessment never reads traces of presence — record views, sessions and logins,
login attempts (axes), which notifications were read, follows — neither in the evidence pack nor in the quota nor in a
decision. National burden-reduction rules forbid scoring them; these tests keep it so.

Two proofs: the SQL each path runs, captured, touches none of those tables or columns; and no assessment module
imports those models or names those columns at all.
"""

from __future__ import annotations

import ast
import datetime
import re
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jishi.assessment import quota, services
from jishi.assessment.evidence import evidence_for
from jishi.assessment.models import Assessment, PeriodKind
from jishi.notifications.models import Notification
from jishi.supervision.models import RecordView
from jishi.supervision.services import view_log
from jishi.testing import Org, write_record

# Tables whose mere mention is a trace read (writing a notification is fine; reading them is not).
TRACE_TABLES = ["supervision_recordview", "django_session", "axes_", "feeds_follow", "accounts_apitoken"]
# Columns: a notification's read state, a person's last login.
TRACE_COLUMNS = ["read_at", "last_login"]
APP = Path(__file__).resolve().parents[1]


def traces_in(queries: list[dict[str, Any]]) -> list[str]:
    """The statements among `queries` that read a trace. A person's row fetched whole names last_login among its
    columns; only a use of it after FROM (a join, filter or order) is a read."""
    found = []
    for query in queries:
        sql = query["sql"].lower()
        if any(table in sql for table in TRACE_TABLES):
            found.append(sql)
            continue
        after_from = sql.split(" from ", 1)[1] if " from " in sql else sql
        reads_column = any(re.search(rf"\b{column}\b", after_from) for column in TRACE_COLUMNS)
        reads_inbox = Notification._meta.db_table in sql and not sql.startswith("insert")
        if reads_column or reads_inbox:
            found.append(sql)
    return found


def leave_traces(org: Org) -> None:
    """Every kind of trace, plenty of it, around the author's records."""
    records = [
        write_record(org.author),
        write_record(org.author, start_time=datetime.time(14, 0), end_time=datetime.time(15, 0)),
    ]
    for viewer in (org.section_head, org.colleague, org.unit_head, org.unrelated):
        for record in records:
            view_log(viewer=viewer, record=record)
    Client().force_login(org.author)  # a session row
    Notification.objects.create(recipient=org.author, kind="comment", text="有新点评", read_at=timezone.now())


def test_the_evidence_pack_reads_no_trace(org: Org) -> None:
    leave_traces(org)
    assert RecordView.objects.exists()
    today = timezone.localdate()
    with CaptureQueriesContext(connection) as captured:
        evidence_for(user=org.section_head, person=org.author, start=today - datetime.timedelta(days=30), end=today)
    assert captured.captured_queries, "the pack ran no query at all?"
    assert traces_in(captured.captured_queries) == []


def test_the_detector_sees_a_trace_read(org: Org) -> None:
    with CaptureQueriesContext(connection) as captured:
        list(RecordView.objects.all())
        Notification.objects.unread().count()
        list(type(org.author).objects.filter(last_login__isnull=True).values_list("pk"))
    assert len(traces_in(captured.captured_queries)) == 3


def test_the_evidence_pack_is_the_same_however_often_records_were_viewed(org: Org) -> None:
    today = timezone.localdate()
    write_record(org.author, start_time=datetime.time(7, 0), end_time=datetime.time(8, 0))
    before = evidence_for(user=org.section_head, person=org.author, start=today, end=today)
    leave_traces(org)
    after = evidence_for(user=org.section_head, person=org.author, start=today, end=today)
    # The same record lines for the record both packs know (the second has the new records too, and nothing else).
    first = before.by_duty[0].records[0]
    assert first in [line for work in after.by_duty for line in work.records]
    assert before.completeness and after.completeness
    assert (before.completeness.complete_percent, len(before.comments), len(before.inquiries)) == (
        after.completeness.complete_percent,
        len(after.comments),
        len(after.inquiries),
    )


def test_the_quota_and_a_decision_read_no_trace(org: Org) -> None:
    leave_traces(org)
    start, end = datetime.date(2026, 7, 1), datetime.date(2026, 9, 30)
    day = datetime.date(2026, 10, 12)
    period = services.period_open(actor=org.hr, kind=PeriodKind.ANNUAL, start=start, end=end, summary_due=start)
    assessment = Assessment.objects.get(period=period, person=org.author)
    services.grade_propose(
        actor=org.section_head, assessment=assessment, grade="优秀", reason="全年工作突出。", today=day
    )
    with CaptureQueriesContext(connection) as captured:
        quota.statuses(period, org.finance.pk)
        services.grade_decide(actor=org.unit_head, assessment=assessment, grade="称职", reason="结果扎实。", today=day)
        evidence_for(user=org.unit_head, assessment=assessment)
    assert captured.captured_queries
    assert traces_in(captured.captured_queries) == []


FORBIDDEN_MODULES = ("django.contrib.sessions", "axes", "jishi.feeds", "jishi.accounts.models")
FORBIDDEN_NAMES = {
    "RecordView",
    "Session",
    "AccessAttempt",
    "AccessLog",
    "AccessFailureLog",
    "Follow",
    "viewers_of",
    "view_log",
    "ApiToken",
}
FORBIDDEN_WORDS = ("read_at", "last_login", "RecordView", "recordview")


def assessment_modules() -> list[Path]:
    return [p for p in sorted(APP.rglob("*.py")) if "tests" not in p.relative_to(APP).parts]


def test_no_assessment_module_imports_a_trace_model_or_names_a_trace_column() -> None:
    modules = assessment_modules()
    assert any(p.name == "evidence.py" for p in modules)
    offences = []
    for path in modules:
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                names = {alias.name for alias in node.names}
            elif isinstance(node, ast.Import):
                module, names = "", {alias.name for alias in node.names}
            else:
                continue
            if module.startswith(FORBIDDEN_MODULES) or any(n.startswith(FORBIDDEN_MODULES) for n in names):
                offences.append(f"{path.name}: imports {module or names}")
            if names & FORBIDDEN_NAMES:
                offences.append(f"{path.name}: imports {sorted(names & FORBIDDEN_NAMES)} from {module}")
        code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("#"))
        offences += [f"{path.name}: names {word}" for word in FORBIDDEN_WORDS if word in code]
    assert offences == []
