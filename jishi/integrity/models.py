"""The hash chain (链) over history rows, its heads, exported digests and verification runs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChainHead(models.Model):
    """链头 — the last link of one chain; writers of that chain lock this row, writers of other chains do not wait."""

    shard = models.PositiveSmallIntegerField(_("链号"), primary_key=True)
    seq = models.BigIntegerField(_("序号"), default=0)
    entry_hash = models.CharField(_("链值"), max_length=128)

    class Meta:
        verbose_name = _("链头")
        verbose_name_plural = _("链头")

    def __str__(self) -> str:
        return f"#{self.shard} @{self.seq}"


class ChainEntry(models.Model):
    """链节 — one history row (version, addendum, comment, audit event) sealed into a chain.

    `content_hash` covers the row's canonical form (integrity.canonical); `entry_hash` covers the previous
    entry's hash and everything in this one, so changing, removing or inserting any row breaks the chain.
    """

    shard = models.PositiveSmallIntegerField(_("链号"))
    seq = models.BigIntegerField(_("序号"))
    kind = models.CharField(_("类型"), max_length=20)
    object_id = models.BigIntegerField(_("对象编号"))
    # The record the row belongs to, kept here so a deleted row is still reported by record.
    record_id = models.BigIntegerField(_("记实编号"), null=True, blank=True)
    content_hash = models.CharField(_("内容摘要"), max_length=128)
    entry_hash = models.CharField(_("链值"), max_length=128)
    created_at = models.DateTimeField(_("入链时间"))

    class Meta:
        verbose_name = _("链节")
        verbose_name_plural = _("链节")
        ordering = ["shard", "seq"]
        constraints = [models.UniqueConstraint(fields=["shard", "seq"], name="chain_entry_shard_seq")]
        indexes = [models.Index(fields=["kind", "object_id"], name="chain_entry_object")]

    def __str__(self) -> str:
        return f"#{self.shard}:{self.seq} {self.kind} {self.object_id}"


class Digest(models.Model):
    """每日摘要 — the heads of every chain at the end of a day, as exported (a copy for the integrity page)."""

    date = models.DateField(_("日期"), unique=True)
    body = models.JSONField(_("内容"))
    signed = models.BooleanField(_("已签名"), default=False)
    exported_at = models.DateTimeField(_("导出时间"))

    class Meta:
        verbose_name = _("每日摘要")
        verbose_name_plural = _("每日摘要")
        ordering = ["-date"]

    def __str__(self) -> str:
        return str(self.date)


class Verification(models.Model):
    """校验记录 — one run of `jishi verify`: when, what it covered and what it found."""

    started_at = models.DateTimeField(_("开始时间"))
    seconds = models.FloatField(_("耗时（秒）"))
    entries = models.BigIntegerField(_("链节数"))
    problems = models.PositiveIntegerField(_("问题数"))
    digests_checked = models.PositiveIntegerField(_("核对的摘要数"), default=0)
    summary = models.JSONField(_("问题摘要"), default=list, blank=True)

    class Meta:
        verbose_name = _("校验记录")
        verbose_name_plural = _("校验记录")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.problems}"


class BulkLoad(models.Model):
    """批量写入登记 — the rows one bulk load of Jishi's own wrote (an import, the demo build, a re-seal).

    Rows are sealed as they are written, except those of a bulk load: they are sealed afterwards, and only when a
    registration names them. The registration is itself sealed into the chain when it is made (and signed when
    JISHI_CHAIN_KEY is set), so a registration inserted into the database by hand is not trusted.
    """

    source = models.CharField(_("来源"), max_length=100)
    registered_by = models.ForeignKey(
        "org.Person",
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("登记时间"))
    # {kind: {"runs": [[first id, last id], ...], "count": rows of that kind the load wrote}}
    rows = models.JSONField(_("写入的行"))
    signature = models.CharField(_("签名"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("批量写入登记")
        verbose_name_plural = _("批量写入登记")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.source}"

    def runs(self, kind: str) -> list[tuple[int, int]]:
        """The id runs (first, last — both included) of `kind` this load wrote."""
        return [(int(first), int(last)) for first, last in self.rows.get(kind, {}).get("runs", [])]

    def count(self, kind: str) -> int:
        return int(self.rows.get(kind, {}).get("count", 0))

    def adopted(self, kind: str) -> bool:
        """Runs that vouch for rows already sealed when the registration was made (an upgrade), never sealing any."""
        return bool(self.rows.get(kind, {}).get("adopted", False))
