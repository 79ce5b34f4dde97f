"""The findings hold on data Jishi did not generate: a district imported from files (organisation, then records),
with planted facts, is searched by every kind, and each kind finds its planted cases and nothing else."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from django.utils import translation

from jishi.insights import findings, store
from jishi.insights.tests import planted
from jishi.records.models import WorkRecord


@pytest.fixture
def imported(db: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.JISHI_INSIGHTS_DIR = tmp_path / "insights"
    reports = planted.build()
    store.rebuild()
    return reports


def test_every_kind_finds_the_planted_cases_with_precision_and_recall_of_at_least_nine_tenths(
    imported: dict[str, Any],
) -> None:
    assert WorkRecord.objects.filter(import_batch__isnull=False).count() == imported["records"].imported > 1000
    found = findings.compute(planted.FIRST, planted.LAST)
    got: dict[str, set[str]] = defaultdict(set)
    for f in found:
        got[f.kind].add(planted.subject_code(f))
    assert set(got) <= set(planted.PLANTED), f"kinds nobody planted: {set(got) - set(planted.PLANTED)}"
    for kind, expected in planted.PLANTED.items():
        hits = len(got[kind] & expected)
        precision = hits / len(got[kind]) if got[kind] else 0.0
        recall = hits / len(expected)
        assert precision >= 0.9 and recall >= 0.9, (kind, sorted(got[kind]), sorted(expected))


def test_each_finding_says_what_and_how_strong_and_links_to_its_records(imported: dict[str, Any]) -> None:
    with translation.override("zh-hans"):
        found = findings.compute(planted.FIRST, planted.LAST)
    assert {f.kind for f in found} == set(planted.PLANTED)
    for f in found:
        with translation.override("zh-hans"):
            assert f.explanation and f.strength_word in {"强", "中", "弱"} and 0 < f.strength <= 1
        if f.subject_type == "person":
            assert f.evidence == f"/records/?author={f.subject_id}&date_from=2025-03-03&date_to=2025-03-28"
        else:
            assert f.evidence.startswith(("/insights/records/?unit=", "/records/?unit=")) and "2025-03-03" in f.evidence
    understaffed = next(f for f in found if f.kind == "understaffed")
    assert "小时" in understaffed.explanation and understaffed.figures["ratio"] > 3
    backfill = {planted.subject_code(f): f for f in found if f.kind == "backfill"}
    assert backfill["B9P2"].figures["batches"] == 4  # every Friday
    assert backfill["B5P3"].figures["batches"] == 1 and backfill["B5P3"].figures["batched_dates"] == 20  # month end
    assert "最多一次 20 天" in backfill["B5P3"].explanation
