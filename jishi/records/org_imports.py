"""Organisation imports on the import page: org's jobs (jishi.org.imports — units, positions, people, duties) run as
an import batch (records.batches), so an organisation file, like a records file, never imports twice and names who
imported it. Here, above org, because the batch is the records app's."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from jishi.core.services import audit
from jishi.core.tables import ImportFileError, ImportKind, ImportReport, read_table
from jishi.org import imports as jobs
from jishi.org.imports import (
    DUTIES,
    PEOPLE,
    POSITIONS,
    UNITS,
    DutyImport,
    OrgImport,
    PersonImport,
    PositionImport,
    UnitImport,
)
from jishi.org.models import Person
from jishi.org.rules import can_import
from jishi.records.batches import batch_create, fingerprint, refuse_repeat


def _import(
    job_class: type[OrgImport], *, actor: Person, data: bytes, filename: str, dry_run: bool = False
) -> ImportReport:
    """Validate every row; if all are good and this is not a dry run, write them all, in one transaction."""
    if not can_import(actor):
        raise PermissionDenied("只有系统管理员和组织人事可以导入组织数据。")
    digest = fingerprint(data)
    refuse_repeat(digest)
    rows = read_table(data, filename, job_class.sheet, max_bytes=jobs.MAX_BYTES, max_rows=jobs.MAX_ROWS)
    with transaction.atomic():
        job = job_class(rows)
        job.validate()
        job.errors.sort(key=lambda e: (e.row, e.column))
        report = ImportReport(
            rows=len(rows),
            errors=job.errors,
            created=len(job.created),
            updated=len(job.updated),
            unchanged=job.unchanged,
            dry_run=dry_run,
        )
        if report.errors or dry_run:
            return report
        batch = batch_create(actor=actor, digest=digest, filename=filename, rows=len(rows))
        try:
            job.write(actor)
        except ValidationError as exc:  # validated above; a guard against a rule added to a service only
            raise ImportFileError(f"导入中止，未写入任何数据：{' '.join(exc.messages)}") from exc
        except IntegrityError as exc:  # someone changed the same rows meanwhile
            raise ImportFileError("导入中止，未写入任何数据：数据在导入过程中被修改，请重新导入。") from exc
        audit(
            actor=actor,
            verb=f"org.import.{job_class.kind}",
            target=batch,
            data={
                "file": filename,
                "sha256": digest,
                "rows": len(rows),
                "created": job.created,
                "updated": job.updated,
                "unchanged": job.unchanged,
            },
        )
    report.imported, report.batch = report.created + report.updated, batch
    return report


def import_units(*, actor: Person, data: bytes, filename: str, dry_run: bool = False) -> ImportReport:
    """Import units (单位) by code, parents before children whatever the file's order."""
    return _import(UnitImport, actor=actor, data=data, filename=filename, dry_run=dry_run)


def import_positions(*, actor: Person, data: bytes, filename: str, dry_run: bool = False) -> ImportReport:
    """Import positions (岗位) by unit code + title."""
    return _import(PositionImport, actor=actor, data=data, filename=filename, dry_run=dry_run)


def import_people(*, actor: Person, data: bytes, filename: str, dry_run: bool = False) -> ImportReport:
    """Import people (人员) by 工号, with their primary and concurrent posts."""
    return _import(PersonImport, actor=actor, data=data, filename=filename, dry_run=dry_run)


def import_duties(*, actor: Person, data: bytes, filename: str, dry_run: bool = False) -> ImportReport:
    """Import duties (职责) by unit code + duty code."""
    return _import(DutyImport, actor=actor, data=data, filename=filename, dry_run=dry_run)


KINDS: dict[str, ImportKind] = {
    "units": ImportKind(
        label=_("单位"),
        sheet=UNITS,
        run=import_units,
        summary=_("单位按单位代码新建或更新；上级单位按代码，可在文件中或已在系统中，子单位可写在上级之前。"),
    ),
    "positions": ImportKind(
        label=_("岗位"),
        sheet=POSITIONS,
        run=import_positions,
        summary=_("岗位按单位代码 + 岗位名称新建或更新；分管单位写单位代码，用顿号或分号分隔。请先导入单位。"),
    ),
    "people": ImportKind(
        label=_("人员"),
        sheet=PEOPLE,
        run=import_people,
        summary=_(
            "人员按工号新建或更新（工号即登录用户名，新账户需由管理员设置密码）；主职按单位代码 + 岗位，"
            "主职变化按调动处理；兼职写“单位代码/岗位名称”，只增不减。请先导入岗位。"
        ),
    ),
    "duties": ImportKind(
        label=_("职责"),
        sheet=DUTIES,
        run=import_duties,
        summary=_("职责按单位代码 + 职责编码新建或更新；岗位名称留空即单位职能（三定方案）。"),
    ),
}
