"""kyoso's side of ``kyoso bench fanout``, run as a subprocess on the benchmark's own database.

``python -m kyoso.bench.fanout_kyoso setup --clients C``: migrate, make C signed-in members in one
channel (sessions written straight to the database, second factor done) and print what the load
generator needs as JSON. ``... post --channel ID --author ID``: the poster; it reads steps from stdin
(see kyoso.bench.fanout_client.run_poster) and posts through ``kyoso.chat.actions.post_message``, so
each post is saved, rendered and published the way a member's is.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from datetime import timedelta

BATCH = 1000


def _setup(clients: int) -> dict[str, object]:
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.utils import timezone

    from kyoso.accounts.actions.security import MODEL_BACKEND, SECOND_FACTOR_VERIFIED
    from kyoso.accounts.models import Member, MemberStatus
    from kyoso.chat import actions
    from kyoso.directory.codes import check_digit
    from kyoso.directory.models import MunicipalityType, Organization, OrganizationKind

    call_command("migrate", verbosity=0, interactive=False)
    organization = Organization.objects.create(
        name="ベンチ市",
        kind=OrganizationKind.MUNICIPALITY,
        code=f"40999{check_digit('40999')}",
        municipality_type=MunicipalityType.CITY,
    )
    unusable = make_password(None)
    members = Member.objects.bulk_create(
        [
            Member(
                email=f"bench{n}@city.example.lg.jp",
                full_name=f"職員 {n}",
                display_name=f"職員{n}",
                status=MemberStatus.ACTIVE,
                organization=organization,
                password=unusable,
            )
            for n in range(clients + 1)
        ],
        batch_size=BATCH,
    )
    members = list(Member.objects.order_by("pk"))
    author, readers = members[0], members[1:]
    channel = actions.create_channel(creator=author, name="全体連絡")
    actions.join_channels(members=readers, channel=channel)
    expire = timezone.now() + timedelta(days=1)
    store = SessionStore()
    sessions, keys = [], []
    for member in readers:
        key = secrets.token_hex(16)
        data = {
            "_auth_user_id": str(member.pk),
            "_auth_user_backend": MODEL_BACKEND,
            "_auth_user_hash": member.get_session_auth_hash(),
            SECOND_FACTOR_VERIFIED: True,
        }
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        keys.append(key)
    Session.objects.bulk_create(sessions, batch_size=BATCH)
    return {
        "channel_id": channel.pk,
        "author_id": author.pk,
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "sessions": keys,
    }


def _post_function(channel_id: int, author_id: int, pad: int):
    from kyoso.accounts.models import Member
    from kyoso.chat import actions
    from kyoso.chat.models import Channel
    from kyoso.chat.rendering import warm_up

    # The benchmark measures a running server: the URL tables and templates every drawing of a message
    # uses are loaded before the first timed post, as a server's first requests load them.
    warm_up()
    author = Member.objects.get(pk=author_id)
    channel = Channel.objects.get(pk=channel_id)

    padding = " " + "あ" * pad if pad else ""

    def post(text: str) -> None:
        actions.post_message(author=author, channel=channel, text=text + padding)

    return post


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="fanout_kyoso")
    commands = parser.add_subparsers(dest="command", required=True)
    setup = commands.add_parser("setup")
    setup.add_argument("--clients", type=int, required=True)
    post = commands.add_parser("post")
    post.add_argument("--channel", type=int, required=True)
    post.add_argument("--author", type=int, required=True)
    post.add_argument("--pad", type=int, default=0, help="characters added to each post (a bigger frame)")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyoso.settings")
    import django

    django.setup()
    if args.command == "setup":
        sys.stdout.write(json.dumps(_setup(args.clients)) + "\n")
        return
    from kyoso.bench.fanout_client import run_poster

    run_poster(_post_function(args.channel, args.author, args.pad))


if __name__ == "__main__":
    main()
