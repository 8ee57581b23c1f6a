"""``kyoso demo``: build the demo community, or a large synthetic one for benchmarks."""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from kyoso.accounts.actions import set_password
from kyoso.accounts.models import Member
from kyoso.core.site import served_site_url
from kyoso.database import migrate_if_needed
from kyoso.demo.actions import DemoError, DemoSummary, build_demo, remove_demo
from kyoso.demo.members import DEMO_MEMBER_EMAIL, DEMO_MEMBER_PASSWORD, DEMO_OPERATOR_EMAIL
from kyoso.demo.passwords import generate_password, password_file, remember_password, remembered_password
from kyoso.demo.plan import DEFAULT_SEED, DEFAULT_SIZE, DemoSize
from kyoso.demo.queries import demo_counts
from kyoso.directory.models import Organization

NOT_IN_DEMO_MODE = (
    "kyoso demo はデモモードでのみ動きます。 / kyoso demo runs only in demo mode: it creates sign-in "
    "accounts and prints their passwords. Set KYOSO_DEMO=on to build the demo on this machine "
    "(`python3 dev.py start` does this for you). Never turn it on for a real site."
)


class Command(BaseCommand):
    help = (
        "デモコミュニティを作ります（2回目以降は何もしません）。 / Build the demo community "
        "(does nothing when it is already there). --scale N makes N messages for benchmarks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="Random seed (same seed, same demo)."
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Remove the demo's members (demo+… addresses), channels and messages first, then rebuild.",
        )
        parser.add_argument(
            "--scale",
            type=int,
            metavar="N",
            help="Make N messages (e.g. 1000000) with members in proportion, committing batch by batch.",
        )
        parser.add_argument(
            "--reset-operator-password",
            action="store_true",
            help="Give the demo operator a new random password and print it (the demo stays as it is).",
        )

    def handle(self, *args: object, **options: Any) -> None:
        if not settings.KYOSO_DEMO:
            raise CommandError(NOT_IN_DEMO_MODE)
        seed = int(options["seed"])
        scale = options["scale"]
        if scale is not None and int(scale) < 1:
            raise CommandError("--scale は 1 以上にしてください。 / --scale must be at least 1.")
        migrate_if_needed(self.stdout)
        self._load_directory_if_empty()

        if options["reset_operator_password"]:
            self._reset_operator_password()
            return

        counts = demo_counts()
        if counts.exists and not options["reset"]:
            self.stdout.write(
                f"デモコミュニティは作成済みです（メンバー {counts.members:,} 人、"
                f"チャンネル {counts.channels}、メッセージ {counts.messages:,} 件）。"
                "作り直すには --reset を付けてください。\n"
                f"The demo community is already here ({counts.members:,} members, "
                f"{counts.channels} channels, {counts.messages:,} messages); nothing changed. "
                "Add --reset to rebuild it."
            )
            self._print_sign_in(self._known_operator_password())
            return
        if counts.exists:
            removed = remove_demo()
            self.stdout.write(
                f"前のデモを削除しました（メンバー {removed.members:,} 人、チャンネル {removed.channels}、"
                f"メッセージ {removed.messages:,} 件）。 / Removed the previous demo: {removed.members:,} "
                f"members, {removed.channels} channels, {removed.messages:,} messages."
            )

        size = DemoSize.for_messages(int(scale)) if scale is not None else DEFAULT_SIZE
        self.stdout.write(
            f"デモコミュニティを作っています（メッセージ {size.messages:,} 件、"
            f"メンバー約 {size.members:,} 人）…"
            f" / Building the demo community (seed {seed}, {size.messages:,} messages, about "
            f"{size.members:,} members)…"
        )
        operator_password = generate_password()
        try:
            summary = build_demo(
                seed=seed,
                size=size,
                progress=self._progress if scale is not None else None,
                # The default demo is all or nothing; a million messages commit batch by batch.
                one_transaction=scale is None,
                operator_password=operator_password,
            )
        except DemoError as error:
            raise CommandError(str(error)) from None
        remember_password(operator_password)
        self._print_summary(summary)
        self._print_sign_in(operator_password)

    def _reset_operator_password(self) -> None:
        operator = Member.objects.filter(email=DEMO_OPERATOR_EMAIL).first()
        if operator is None:
            raise CommandError(
                "デモの運営アカウントはまだありません。先に kyoso demo でデモを作ってください。 / "
                "There is no demo operator yet: run `kyoso demo` to build the demo first."
            )
        password = generate_password()
        set_password(member=operator, password=password)
        remember_password(password)
        self.stdout.write("運営の新しいパスワードを作りました。 / The demo operator has a new password.")
        self._print_sign_in(password)

    def _known_operator_password(self) -> str | None:
        """The kept password, only while it still opens the operator's account (it may have been changed)."""
        password = remembered_password()
        operator = Member.objects.filter(email=DEMO_OPERATOR_EMAIL).first()
        if password and operator is not None and operator.check_password(password):
            return password
        return None

    def _progress(self, line: str) -> None:
        sys.stderr.write(f"  {line}\n")
        sys.stderr.flush()

    def _load_directory_if_empty(self) -> None:
        if Organization.objects.exists():
            return
        try:
            from kyoso.directory.actions import load_directory
        except ImportError as error:  # pragma: no cover - only before the directory app ships its loader
            raise CommandError(
                f"The directory is empty and its loader is missing ({error}); run `kyoso directory load`."
            ) from None
        self.stdout.write(
            "全国の自治体と省庁の名簿を読み込んでいます… / "
            "Loading the national directory of governments and agencies…"
        )
        load_directory()

    def _print_summary(self, summary: DemoSummary) -> None:
        japanese = (
            f"メンバー {summary.members:,} 人（{summary.organizations:,} 団体）、"
            f"チャンネル {summary.channels}、"
            f"メッセージ {summary.messages:,} 件、スタンプ {summary.reactions:,} 件、"
            f"審査待ちの申請 {summary.applications} 件（{summary.seconds:.1f} 秒）"
        )
        counts = (
            f"{summary.members:,} members from {summary.organizations:,} organisations, {summary.channels} "
            f"channels, {summary.messages:,} messages, {summary.reactions:,} stamps, "
            f"{summary.applications} applications to review ({summary.seconds:.1f} s)"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"デモコミュニティができました: {japanese}。\nThe demo community is ready: {counts}."
            )
        )

    def _print_sign_in(self, operator_password: str | None) -> None:
        # Where `kyoso serve` will be reached: KYOSO_HOST and KYOSO_PORT (which `dev.py start --port N`
        # sets), unless KYOSO_SITE_URL names the address.
        site = served_site_url(settings.KYOSO_HOST, settings.KYOSO_PORT)
        url = f"{site}{reverse('accounts:sign_in')}"
        member = Member.objects.select_related("organization").filter(email=DEMO_MEMBER_EMAIL).first()
        affiliation = member.affiliation if member else "久留米市 · 市民課"
        if operator_password:
            operator_line = (
                f"  運営のパスワード / password:      {operator_password}\n"
                f"                                    (このPCだけに保存 / kept only in {password_file()})\n"
            )
        else:
            operator_line = (
                "  運営のパスワード / password:      不明です。作り直すには / unknown here; for a new one:\n"
                "                                    kyoso demo --reset-operator-password\n"
            )
        self.stdout.write(
            "\n"
            "デモにサインインするには / To sign in to the demo:\n"
            f"  URL: {url}\n"
            f"  メンバーとして / as a member:     {DEMO_MEMBER_EMAIL}  ({affiliation})\n"
            f"  パスワード / password:            {DEMO_MEMBER_PASSWORD}\n"
            f"  運営として / as an operator:      {DEMO_OPERATOR_EMAIL}\n"
            f"{operator_line}"
            "                                    (管理画面 /admin/ も使えます / can open /admin/)\n"
            "                                    初回のサインインで二段階認証（認証アプリ）を設定します\n"
            "                                    / sets up two-factor (an authenticator app) first\n"
        )
        if settings.KYOSO_OUTBOX:
            # The demo sends no real mail: sign-in links and approvals wait in the outbox page.
            self.stdout.write(
                f"  送信したメール / e-mails sent:    {site}{reverse('notify:outbox')}\n"
                "                                    (デモのメールは実際には届かず、ここで読めます\n"
                "                                    / the demo's mail is not delivered; read it here)\n"
            )
