"""`jishi duties train` — relearn every unit's duty suggestion model from its records (after an import, a restore
or a change of the content rule); the worker keeps them fresh as records are filed."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jishi.duties import training


class Command(BaseCommand):
    help = "Relearn the duty suggestion models (one per unit) from the filed records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["train"], help="train: relearn every unit's model")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        count = training.train_all()
        self.stdout.write(f"已重新学习 {count} 个单位的职责推荐模型，用时 {time.perf_counter() - started:.1f} 秒。")
