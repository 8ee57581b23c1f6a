"""The ``kyoso`` command: every subcommand is a Django management command.

``kyoso serve``, ``kyoso demo`` and ``kyoso directory ...`` are kyoso's own; Django's (``kyoso
migrate``, ``kyoso createsuperuser``, ``kyoso shell``) work too. ``kyoso help`` lists them all.
"""

from __future__ import annotations

import os
import sys

# Development tools: their apps are not installed in production (KYOSO_ENV=production).
DEVELOPMENT_COMMANDS = {"demo": "kyoso.demo", "bench": "kyoso.bench"}


def _development_command_missing(args: list[str]) -> str | None:
    """Why ``kyoso demo`` or ``kyoso bench`` cannot run here, rather than Django's "Unknown command"."""
    app = DEVELOPMENT_COMMANDS.get(args[0]) if args else None
    if app is None:
        return None
    import django
    from django.apps import apps

    django.setup()
    if apps.is_installed(app):
        return None
    return (
        f"kyoso {args[0]} is a development tool and is not installed in production (KYOSO_ENV=production). "
        "Run it on a development copy instead."
    )


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyoso.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        missing = _development_command_missing(args)
        if missing:
            sys.stderr.write(f"kyoso: {missing}\n")
            raise SystemExit(2)
        execute_from_command_line(["kyoso", *args])
    except ImproperlyConfigured as error:
        # A wrong setting is the operator's to fix: say which, without a traceback.
        sys.stderr.write(f"kyoso: configuration error: {error}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
