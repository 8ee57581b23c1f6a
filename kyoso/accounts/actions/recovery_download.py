"""Recovery codes (回復コード) as a text file, downloadable once, right after they were made.

Recovery codes are stored as keyed digests only, and the page that shows them is the one time they
exist in clear. A download must serve that same list again, so the session keeps it for a short
while: encrypted (the session store is a database table and a cache), tied to the member, for
``DOWNLOAD_WINDOW_SECONDS``, and taken out by the first download. A list is refused once any of its
codes was used or replaced (new codes, two-factor turned off), so a stale session never hands out a
list that no longer matches the account.
"""

from __future__ import annotations

import time

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kyoso.accounts import totp
from kyoso.accounts.errors import RecoveryCodesDownloadGone
from kyoso.accounts.models import Member, RecoveryCode
from kyoso.core.crypto import UndecryptableValue, decrypt, encrypt

# Key in the Django session, and the purpose the list is encrypted under.
RECOVERY_CODES_DOWNLOAD = "kyoso_recovery_codes_download"
_PURPOSE = "accounts.recovery-codes-download"
# Long enough to read the page and press the button; short enough that a session left open later
# holds nothing.
DOWNLOAD_WINDOW_SECONDS = 10 * 60
FILE_NAME = "kyoso-recovery-codes.txt"


def offer_recovery_codes_download(request: HttpRequest, member: Member, codes: list[str]) -> None:
    """Keep the codes just shown, so the page's download button can serve them once."""
    request.session[RECOVERY_CODES_DOWNLOAD] = {
        "member": member.pk,
        "until": int(time.time()) + DOWNLOAD_WINDOW_SECONDS,
        "codes": encrypt("\n".join(codes), purpose=_PURPOSE),
    }


def take_recovery_codes_download(request: HttpRequest, member: Member) -> list[str]:
    """The codes last shown to ``member`` in this session, taken out of it: the first call only.

    Raises ``RecoveryCodesDownloadGone`` when there is no such list (never made here, downloaded
    already, too old, another member's) or when it no longer matches the account's unused codes.
    """
    offer = request.session.pop(RECOVERY_CODES_DOWNLOAD, None)
    if not isinstance(offer, dict) or offer.get("member") != member.pk:
        raise RecoveryCodesDownloadGone()
    if not isinstance(offer.get("until"), int) or offer["until"] < time.time():
        raise RecoveryCodesDownloadGone()
    try:
        codes = decrypt(str(offer.get("codes", "")), purpose=_PURPOSE).split("\n")
    except UndecryptableValue:
        raise RecoveryCodesDownloadGone() from None
    unused = set(
        RecoveryCode.objects.filter(member=member, used_at__isnull=True).values_list("digest", flat=True)
    )
    if not codes or not all(unused.intersection(totp.recovery_digests(code)) for code in codes):
        raise RecoveryCodesDownloadGone()
    return codes


def recovery_codes_text(member: Member, codes: list[str]) -> str:
    """The file's text: what the codes are for, for whom, from when, then one code a line."""
    made = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    lines = [
        _("kyoso の回復コード"),
        _("アカウント: %(email)s") % {"email": member.email},
        _("作成: %(when)s") % {"when": made},
        "",
        _("認証アプリを使えないときに、確認コードの代わりに入力します。各コードは一度だけ使えます。"),
        _("このファイルは安全な場所に保管し、人に見せないでください。"),
        "",
        *codes,
        "",
    ]
    # CRLF: the file is opened in Notepad on office PCs as often as anywhere else.
    return "\r\n".join(lines)
