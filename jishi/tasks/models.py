"""Tasks (督办) and instructions (批示): who owes what by when, their flow across units, the records advancing them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    """The steps of a task, in order; `returned` is not a state but the issuer sending `done` back to work."""

    ISSUED = "issued", _("已下达")
    ACCEPTED = "accepted", _("已接收")
    IN_PROGRESS = "in_progress", _("办理中")
    DONE = "done", _("已办结")
    CONFIRMED = "confirmed", _("已确认")


OPEN_STATUSES = (Status.ISSUED, Status.ACCEPTED, Status.IN_PROGRESS)
# A task is overdue while nobody has reported it done; `done` awaits only the issuer's confirmation.
UNFINISHED_STATUSES = OPEN_STATUSES
# Stuck counts waiting for the issuer too: a report nobody confirms is as stalled as work nobody does.
STALLABLE_STATUSES = (*OPEN_STATUSES, Status.DONE)


class TaskQuerySet(models.QuerySet["Task"]):
    def visible_to(self, user: Any) -> TaskQuerySet:
        """Tasks `user` may see: issuer, owners, collaborators, their superiors, inspectors in scope."""
        from jishi.tasks import rules

        return rules.restrict(self, user)


class Task(models.Model):
    """督办事项 — a task issued by a leader or unit head to a unit or a person, with a deadline; a 批示 when it
    comes from a record."""

    title = models.CharField(_("事项"), max_length=100)
    description = models.TextField(_("要求/批示内容"), blank=True)
    issuer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("下达人"), on_delete=models.PROTECT, related_name="tasks_issued"
    )
    # The issuer's unit when issuing, so "issued by the unit" lists survive the issuer moving on.
    issuer_unit = models.ForeignKey("org.Unit", verbose_name=_("下达单位"), on_delete=models.PROTECT, related_name="+")
    owner_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="tasks_owned"
    )
    owner_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks_owned",
        help_text=_("留空表示交由承办单位办理"),
    )
    collaborating_units = models.ManyToManyField(
        "org.Unit", verbose_name=_("协办单位"), blank=True, related_name="tasks_collaborating"
    )
    deadline = models.DateField(_("办结时限"))
    duty = models.ForeignKey(
        "org.Duty", verbose_name=_("对应职责"), null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    source_record = models.ForeignKey(
        "records.WorkRecord",
        verbose_name=_("批示的记实"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="instructions",
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.ISSUED)
    result = models.TextField(_("办理结果"), blank=True)
    issued_at = models.DateTimeField(_("下达时间"))
    # The latest event or linked record: "stuck" is a comparison on this one indexed column.
    last_activity_at = models.DateTimeField(_("最近进展"))
    closed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("督办事项")
        verbose_name_plural = _("督办事项")
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["owner_unit", "status"], name="task_owner_unit_status"),
            models.Index(fields=["issuer_unit", "status"], name="task_issuer_unit_status"),
            models.Index(fields=["status", "deadline"], name="task_status_deadline"),
            models.Index(fields=["status", "last_activity_at"], name="task_status_activity"),
            models.Index(fields=["deadline", "id"], name="task_deadline_id"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_instruction(self) -> bool:
        return self.source_record_id is not None


class EventKind(models.TextChoices):
    ISSUE = "issue", _("下达")
    ACCEPT = "accept", _("接收")
    START = "start", _("开始办理")
    AUTO_START = "auto_start", _("首条记实关联，自动转为办理中")
    DONE = "done", _("报告办结")
    CONFIRM = "confirm", _("确认办结")
    RETURN = "return", _("退回")


class TaskEvent(models.Model):
    """督办流转 — one change of a task: who, when, from which status to which, and why. Append-only."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("操作"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    # The unit the actor acted for (issuing, owner or collaborating unit): the flow is read across units.
    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"))
    from_status = models.CharField(_("原状态"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Status.choices)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("督办流转")
        verbose_name_plural = _("督办流转")
        ordering = ["task_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.from_status}→{self.to_status}"


class TaskRecordLink(models.Model):
    """记实关联 — a record its author filed against a task they work on; records make a task's progress."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="links")
    record = models.ForeignKey("records.WorkRecord", on_delete=models.PROTECT, related_name="task_links")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(_("关联时间"))

    class Meta:
        verbose_name = _("记实关联")
        verbose_name_plural = _("记实关联")
        ordering = ["task_id", "linked_at", "id"]
        constraints = [models.UniqueConstraint(fields=["task", "record"], name="task_record_link_unique")]
        indexes = [models.Index(fields=["record"], name="task_link_record")]

    def __str__(self) -> str:
        return f"{self.task_id} ← {self.record_id}"
