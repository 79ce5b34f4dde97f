"""The `jishi` command: Django's manage.py, with Jishi's own commands listed first in `jishi --help`."""

import os
import sys
from pathlib import Path

JISHI_PACKAGE = "jishi."  # every app under jishi/ is Jishi's own


def _print_jishi_help() -> None:
    from django.core.management import get_commands, load_command_class

    print("Jishi (记实) — usage: jishi <command> [options]\n")
    print("Jishi's commands:")
    commands = get_commands()
    for name in sorted(commands):
        app = commands[name]
        if not app.startswith(JISHI_PACKAGE):
            continue
        command = load_command_class(app, name)
        summary = (command.help or "").strip().splitlines()[0] if command.help else ""
        print(f"  {name:<12} {summary}")
    print("\nEvery Django command works too (jishi migrate, jishi shell, jishi createsuperuser …):")
    print("  jishi help --commands   lists them all;  jishi help <command>   shows one command's options.")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    # A new JISHI_DATA_DIR (the database, the demo manifest, static files) is created rather than refused. Read from
    # the environment, not from the settings: loading them here would ignore a --settings option.
    if os.environ.get("JISHI_DATA_DIR"):
        Path(os.environ["JISHI_DATA_DIR"]).mkdir(parents=True, exist_ok=True)

    argv = list(sys.argv)
    if len(argv) == 1 or argv[1:] in (["--help"], ["-h"], ["help"]):
        import django

        django.setup()
        _print_jishi_help()
        return
    execute_from_command_line(argv)
