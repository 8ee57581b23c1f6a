"""``kyoso bench ...``: performance claims as commands that print JSON, each beside its baseline.

Each benchmark is a module of this package named after its subcommand (``history``, ``fanout``,
``search``). A module has a one-line docstring (the subcommand's help), ``add_arguments(parser)``
and ``run(options, progress) -> dict``; the command prints the dict as one JSON object. ``progress``
writes a line to stderr, so stdout stays pure JSON.
"""

BENCHMARKS = ("history", "fanout", "search", "notify")
