"""A helper process for the bell's browser test, run on the live server's own database (like
``kyoso.bench.fanout_kyoso``): ``room --author ID`` makes a second channel that every member joins and
prints its id and slug as JSON; ``mention --channel ID --author ID`` posts, through
``kyoso.chat.actions.post_message``, a message naming every other member, and prints its id."""

from __future__ import annotations

import argparse
import json
import os
import sys


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="live_mention")
    commands = parser.add_subparsers(dest="command", required=True)
    room = commands.add_parser("room")
    room.add_argument("--author", type=int, required=True)
    mention = commands.add_parser("mention")
    mention.add_argument("--channel", type=int, required=True)
    mention.add_argument("--author", type=int, required=True)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyoso.settings")
    import django

    django.setup()
    from kyoso.accounts.models import Member
    from kyoso.chat import actions
    from kyoso.chat.mentions import member_token
    from kyoso.chat.models import Channel

    author = Member.objects.get(pk=args.author)
    others = list(Member.objects.exclude(pk=author.pk).order_by("pk"))
    if args.command == "room":
        channel = actions.create_channel(creator=author, name="防災")
        actions.join_channels(members=others, channel=channel)
        sys.stdout.write(json.dumps({"channel_id": channel.pk, "slug": channel.slug}) + "\n")
        return
    channel = Channel.objects.get(pk=args.channel)
    names = " ".join(member_token(m.pk, m.display_name) for m in others)
    message = actions.post_message(
        author=author, channel=channel, text=f"{names} 避難所の開設手順を確認してください"
    )
    sys.stdout.write(json.dumps({"message_id": message.pk}) + "\n")


if __name__ == "__main__":
    main()
