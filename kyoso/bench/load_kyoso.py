"""kyoso's side of ``kyoso bench load``, run as a subprocess on the benchmark's own database.

``python -m kyoso.bench.load_kyoso teams --teams K`` runs after ``kyoso.bench.fanout_kyoso setup`` (which
made the members, their sessions and the channel everyone is in): it adds K team channels, puts reader
``i`` (in the order of the sessions) in team ``i % K``, makes sure the stamp set exists, posts one
message in every channel (a first target for stamps) and prints what the load generator needs as JSON.

``... check``: reads the ids of the acknowledged posts (a JSON list) from stdin and prints those the
database does not hold.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

CHECK_BATCH = 500


def _teams(teams: int) -> dict[str, Any]:
    from kyoso.accounts.models import Member
    from kyoso.chat import actions
    from kyoso.chat.models import Channel

    members = list(Member.objects.order_by("pk"))
    author, readers = members[0], members[1:]
    everyone = Channel.objects.get(name="全体連絡")
    channels = []
    for n in range(teams):
        channel = actions.create_channel(creator=author, name=f"係{n + 1}")
        actions.join_channels(members=readers[n::teams], channel=channel)
        channels.append(channel)
    stamps = actions.ensure_default_stamps()
    first_posts = {
        str(channel.pk): actions.post_message(
            author=author, channel=channel, text=f"{channel.name}の連絡です"
        ).pk
        for channel in [everyone, *channels]
    }
    return {
        "everyone": everyone.pk,
        "teams": [channel.pk for channel in channels],
        "stamps": [stamp.pk for stamp in stamps],
        "first_posts": first_posts,
    }


def _missing(ids: list[int]) -> list[int]:
    from kyoso.chat.models import Message

    found: set[int] = set()
    for start in range(0, len(ids), CHECK_BATCH):
        batch = ids[start : start + CHECK_BATCH]
        found.update(
            Message.objects.filter(pk__in=batch, deleted_at__isnull=True).values_list("pk", flat=True)
        )
    return [pk for pk in ids if pk not in found]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="load_kyoso")
    commands = parser.add_subparsers(dest="command", required=True)
    teams = commands.add_parser("teams")
    teams.add_argument("--teams", type=int, required=True)
    commands.add_parser("check")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyoso.settings")
    import django

    django.setup()
    if args.command == "teams":
        answer: Any = _teams(args.teams)
    else:
        answer = {"missing": _missing(json.load(sys.stdin))}
    sys.stdout.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
