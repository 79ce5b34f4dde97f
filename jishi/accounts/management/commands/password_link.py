"""`jishi password_link USERNAME [--by ADMIN]` — print a one-time link on which the person sets their password."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.accounts.services import password_link
from jishi.org.models import Person


class Command(BaseCommand):
    help = "Print a one-time set-password link for an account (imported people have no password), valid three days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="+", help="one or more usernames (for imported people: the 工号)")
        parser.add_argument("--by", dest="actor", help="the administrator issuing the links (for the audit trail)")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["actor"]:
            actor = Person.objects.filter(username=options["actor"], is_active=True).first()
            if actor is None:
                raise CommandError(f"没有用户名为 {options['actor']!r} 的有效账户。")
        people = {p.username: p for p in Person.objects.filter(username__in=options["username"])}
        missing = [u for u in options["username"] if u not in people]
        if missing:
            raise CommandError(f"没有这些账户：{'、'.join(missing)}")
        for username in options["username"]:
            try:
                link = password_link(actor=actor, person=people[username])
            except ValidationError as exc:
                raise CommandError(f"{username}：{' '.join(exc.messages)}") from exc
            self.stdout.write(f"{username}\t{people[username].full_name}\t{link}")
