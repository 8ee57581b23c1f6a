"""The ``kyoso`` command: every subcommand is a Django management command.

``kyoso serve``, ``kyoso demo`` and ``kyoso directory ...`` are kyoso's own; Django's (``kyoso
migrate``, ``kyoso createsuperuser``, ``kyoso shell``) work too. ``kyoso help`` lists them all.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyoso.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        execute_from_command_line(["kyoso", *args])
    except ImproperlyConfigured as error:
        # A wrong setting is the operator's to fix: say which, without a traceback.
        sys.stderr.write(f"kyoso: configuration error: {error}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
