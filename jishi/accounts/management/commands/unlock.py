"""`jishi unlock USERNAME… [--ip ADDR…] [--by ADMIN]`, `jishi unlock --list`: login lockouts, for administrators."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from jishi.accounts.lockout import current_lockouts
from jishi.accounts.services import login_unlock
from jishi.org.models import Person


class Command(BaseCommand):
    help = "Lift a login lockout (too many wrong passwords) from accounts or addresses; --list shows current ones."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="*", help="accounts to unlock (their failed logins are forgotten)")
        parser.add_argument("--ip", action="append", default=[], help="an address to unlock (may be repeated)")
        parser.add_argument("--by", dest="actor", help="the administrator unlocking (for the audit trail)")
        parser.add_argument("--list", action="store_true", help="list the accounts and addresses locked out now")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            self._list()
            return
        if not options["username"] and not options["ip"]:
            raise CommandError("请给出要解除锁定的用户名或 --ip 地址（--list 列出当前被锁定的）。")
        actor = None
        if options["actor"]:
            actor = Person.objects.filter(username=options["actor"], is_active=True).first()
            if actor is None:
                raise CommandError(f"没有用户名为 {options['actor']!r} 的有效账户。")
        targets = [(u, "") for u in options["username"]] + [("", ip) for ip in options["ip"]]
        lines = []
        try:
            with transaction.atomic():  # all or nothing: a bad address after a good account unlocks neither
                for username, ip_address in targets:
                    removed = login_unlock(actor=actor, username=username, ip_address=ip_address)
                    who = f"账户 {username}" if username else f"地址 {ip_address}"
                    if removed:
                        lines.append(f"{who}：已解除锁定（清除 {removed} 条登录失败记录）。")
                    else:
                        lines.append(f"{who}：没有登录失败记录，无需解除。")
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        for line in lines:
            self.stdout.write(line)

    def _list(self) -> None:
        lockouts = current_lockouts()
        if not lockouts:
            self.stdout.write("当前没有被锁定的账户或地址。")
            return
        for lock in lockouts:
            who = f"账户\t{lock.username}" if lock.username else f"地址\t{lock.ip_address}"
            ends = timezone.localtime(lock.ends).strftime("%Y-%m-%d %H:%M")
            self.stdout.write(f"{who}\t失败 {lock.failures} 次\t最迟 {ends} 解除")
