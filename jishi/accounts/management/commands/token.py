"""`jishi token create USERNAME [--name 用途]` and `jishi token revoke USERNAME PREFIX`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.accounts.models import ApiToken
from jishi.accounts.services import token_create, token_revoke
from jishi.org.models import Person


class Command(BaseCommand):
    help = "Create or revoke an API token for a user (the secret is printed once)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="make a token and print its secret")
        create.add_argument("username")
        create.add_argument("--name", default="命令行生成", help="what the token is for")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("username")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        person = Person.objects.filter(username=options["username"]).first()
        if person is None:
            raise CommandError(f"没有用户名为 {options['username']!r} 的账户。")
        try:
            if options["action"] == "create":
                _, secret = token_create(person=person, name=options["name"])
                self.stdout.write(secret)
                return
            token = ApiToken.objects.filter(person=person, prefix=options["prefix"][:12]).first()
            if token is None:
                raise CommandError("没有找到该前缀的令牌。")
            token_revoke(actor=person, token=token)
            self.stdout.write("已撤销。")
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
