"""Build a demo world and serve it: `jishi demo [--scale tiny|small|medium] [--seed N] [--no-serve] [--rebuild]`."""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.demo.world import DEMO_PASSWORD, SCALES, build_world, world_exists


class Command(BaseCommand):
    help = "Migrate, build a demo world (units, people, duties, records), print one login per role, then serve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", default="small", choices=list(SCALES), help="size of the world (default: small)")
        parser.add_argument("--seed", type=int, default=2014, help="random seed; the same seed gives the same world")
        parser.add_argument("--no-serve", action="store_true", help="only build; do not start the server")
        parser.add_argument("--rebuild", action="store_true", help="empty the database and build again")
        parser.add_argument("--bind", default="127.0.0.1:8000", help="address for the server (default 127.0.0.1:8000)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["seed"] < 0:
            raise CommandError("--seed must be zero or a positive number.")
        call_command("migrate", interactive=False, verbosity=0)
        if options["rebuild"]:
            self.stdout.write("清空数据库…")
            call_command("flush", interactive=False, verbosity=0)
            from django.apps import apps as global_apps

            from jishi.records.migrations import _categories

            _categories.add_defaults(global_apps, None)
        if world_exists():
            self.stdout.write("演示数据已存在（加 --rebuild 重新生成）。")
        else:
            started = time.monotonic()
            world = build_world(
                scale=options["scale"],
                seed=options["seed"],
                progress=lambda line: self.stdout.write(f"  {line}"),
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"演示世界已生成：{world.units} 个单位，{world.people} 人，{world.records} 条记实，"
                    f"用时 {time.monotonic() - started:.1f} 秒。"
                )
            )
        self._print_logins()
        if not options["no_serve"]:
            call_command("serve", bind=options["bind"])

    def _print_logins(self) -> None:
        from jishi.demo.world import DEMO_LOGINS
        from jishi.org.models import Person

        names = dict(
            Person.objects.filter(username__in=[u for u, _ in DEMO_LOGINS]).values_list("username", "full_name")
        )
        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, label in DEMO_LOGINS:
            if username in names:
                self.stdout.write(f"  {username:<14} {names[username]:<6} {label}")
        self.stdout.write("")
