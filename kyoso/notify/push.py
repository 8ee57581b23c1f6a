"""Web Push (プッシュ通知): a notification reaches the browsers where a member turned it on, even closed.

Off unless the operator configured a VAPID key pair (``enabled()``): then no page offers it, its
endpoints answer 404, and nothing is queued or sent, so a closed network without a push service works
as before. When on:

- A browser's subscription (its push service's endpoint and its keys) is stored per member and per
  signed-in session (``subscribe``): signing that browser out removes it. Endpoints must point to one of
  ``KYOSO_PUSH_SERVICE_HOSTS`` over https, so the server never posts to an address a page made up.
- Once a post's notifications commit, ``queue_for`` queues one ``deliver_push`` task per recipient who
  has a subscription; the post never waits for a push service. The task sends the notification's line,
  a snippet of the message (unless the member hides content in notifications) and the link that opens
  it, encrypted for each browser (RFC 8291) and signed with the server's VAPID key (RFC 8292).
- A push service that says the subscription is gone (404, 410) loses it; one that is busy or down
  (429, 5xx, no answer) is tried again later, waiting twice as long each time, a few times at most.
  What was read meanwhile is not sent.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

from kyoso.accounts.models import Member, MemberSession, MemberStatus
from kyoso.core.logs import log_event
from kyoso.core.mail import site_url
from kyoso.notify import kinds, queries
from kyoso.notify.errors import InvalidPushSubscription
from kyoso.notify.models import Notification, PushSubscription
from kyoso.notify.vapid import b64url_decode, load_private_key

logger = logging.getLogger("kyoso.notify.push")

# What a browser's PushSubscription.toJSON() holds: the endpoint and two keys (RFC 8291).
MAX_ENDPOINT_LENGTH = PushSubscription._meta.get_field("endpoint").max_length or 1024
P256DH_BYTES = 65  # an uncompressed P-256 point
AUTH_BYTES = 16
# A member installs kyoso on a few devices; past this many, their oldest subscription makes room.
MAX_SUBSCRIPTIONS_PER_MEMBER = 10
# A push the browser could not take within a day is stale: the bell and the mail have it by then.
TTL_SECONDS = 24 * 3600
TIMEOUT_SECONDS = 10
# Tries of one push to one browser, the first wait, then twice as long each time (30 s, 1 min, 2 min).
MAX_ATTEMPTS = 4
RETRY_SECONDS = 30
# Push services take 4,096 bytes, encryption included; the snippet is cut to stay well under.
MAX_PAYLOAD_BYTES = 3000
GONE_STATUSES = frozenset({404, 410})
RETRY_STATUSES = frozenset({408, 429})


def enabled() -> bool:
    """Push is on only when both halves of the VAPID key pair are configured."""
    private = settings.KYOSO_VAPID_PRIVATE_KEY or settings.KYOSO_VAPID_PRIVATE_KEY_FILE
    return bool(settings.KYOSO_VAPID_PUBLIC_KEY and private)


def public_key() -> str:
    """The browser's ``applicationServerKey``."""
    return str(settings.KYOSO_VAPID_PUBLIC_KEY)


@functools.lru_cache(maxsize=4)
def _signer(private: str, private_file: str) -> Vapid02:
    return Vapid02(load_private_key(value=private, file=private_file))


# --- subscriptions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionInput:
    endpoint: str
    p256dh: str
    auth: str


def _host_allowed(host: str) -> bool:
    for allowed in settings.KYOSO_PUSH_SERVICE_HOSTS:
        allowed = allowed.lower().rstrip(".")
        if allowed.startswith("*."):
            if host.endswith(allowed[1:]) and len(host) > len(allowed) - 1:
                return True
        elif host == allowed:
            return True
    return False


def check_endpoint(endpoint: object) -> str:
    """The endpoint, if it is an https URL of a known push service; else InvalidPushSubscription."""
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > MAX_ENDPOINT_LENGTH:
        raise InvalidPushSubscription()
    if any(ord(c) < 0x21 or ord(c) > 0x7E for c in endpoint):
        raise InvalidPushSubscription()
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise InvalidPushSubscription() from None
    schemes = {"https", "http"} if settings.KYOSO_PUSH_ALLOW_HTTP_ENDPOINTS else {"https"}
    if parts.scheme not in schemes or not host or parts.username or parts.password or parts.fragment:
        raise InvalidPushSubscription()
    if not _host_allowed(host):
        raise InvalidPushSubscription()
    return endpoint


def _key(value: object, size: int) -> str:
    if not isinstance(value, str) or len(value) > 2 * size:
        raise InvalidPushSubscription()
    try:
        raw = b64url_decode(value)
    except ValueError:
        raise InvalidPushSubscription() from None
    if len(raw) != size:
        raise InvalidPushSubscription()
    return value.rstrip("=")


def parse_subscription(data: object) -> SubscriptionInput:
    """A browser's ``PushSubscription.toJSON()``: ``{endpoint, keys: {p256dh, auth}}``, checked."""
    if not isinstance(data, dict):
        raise InvalidPushSubscription()
    keys = data.get("keys")
    if not isinstance(keys, dict):
        raise InvalidPushSubscription()
    p256dh = _key(keys.get("p256dh"), P256DH_BYTES)
    if b64url_decode(p256dh)[0] != 0x04:
        raise InvalidPushSubscription()
    # A point not on the curve would fail every send: refuse it now, where the member sees why.
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(p256dh))
    except ValueError:
        raise InvalidPushSubscription() from None
    return SubscriptionInput(
        endpoint=check_endpoint(data.get("endpoint")),
        p256dh=p256dh,
        auth=_key(keys.get("auth"), AUTH_BYTES),
    )


def subscribe(
    *, member: Member, session_key: str | None, subscription: SubscriptionInput
) -> PushSubscription:
    """Send this browser the member's notifications (push must be enabled; the view checks).

    An endpoint is one browser profile: if another member had it (a shared PC), it is this member's now.
    """
    session = MemberSession.objects.filter(member=member, session_key=session_key or "").first()
    with transaction.atomic():
        found, _created = PushSubscription.objects.select_for_update().update_or_create(
            endpoint=subscription.endpoint,
            defaults={
                "member": member,
                "session": session,
                "p256dh": subscription.p256dh,
                "auth": subscription.auth,
                "created_at": timezone.now(),
            },
        )
        mine = PushSubscription.objects.filter(member=member).order_by("-created_at", "-pk")
        stale = list(mine.values_list("pk", flat=True)[MAX_SUBSCRIPTIONS_PER_MEMBER:])
        if stale:
            PushSubscription.objects.filter(pk__in=stale).delete()
    log_event(logger, "push.subscribed", member=member.pk, subscription=found.pk)
    return found


def unsubscribe(*, member: Member, endpoint: str) -> int:
    """Stop sending to this browser; answers how many were removed (0 when it was not subscribed)."""
    removed, _ = PushSubscription.objects.filter(member=member, endpoint=endpoint).delete()
    return removed


def session_subscribed(member: Member, session_key: str | None) -> bool:
    """Whether this signed-in browser has a subscription (the settings page shows its state)."""
    if not session_key:
        return False
    return PushSubscription.objects.filter(member=member, session__session_key=session_key).exists()


# --- sending --------------------------------------------------------------------------------------------


def queue_for(recipients: Iterable[tuple[int, str]], *, message_id: int | None) -> None:
    """After the surrounding transaction commits: a push task for each (member, kind) whose member has
    a browser subscribed. Does nothing at all when push is off."""
    if not enabled():
        return
    wanted = sorted(set(recipients))
    if wanted:
        transaction.on_commit(lambda: _enqueue(wanted, message_id), robust=True)


def _enqueue(recipients: list[tuple[int, str]], message_id: int | None) -> None:
    subscribed = set(
        PushSubscription.objects.filter(member_id__in=[member_id for member_id, _kind in recipients])
        .values_list("member_id", flat=True)
        .distinct()
    )
    for member_id, kind in recipients:
        if member_id not in subscribed:
            continue
        try:
            deliver_push.enqueue(member_id, kind, message_id)
        except Exception as error:  # a queue that cannot be reached never fails the post
            log_event(logger, "push.enqueue_failed", level=logging.ERROR, member=member_id, error=repr(error))


def _forget_signed_out(member_id: int) -> None:
    """Subscriptions of browsers the member signed out of (their session is gone) go before a send."""
    live = MemberSession.objects.filter(member_id=member_id).values("pk")
    PushSubscription.objects.filter(member_id=member_id, session__isnull=False).exclude(
        session_id__in=live
    ).delete()


def backoff(attempt: int) -> timedelta:
    """The wait after the ``attempt``-th failed try."""
    return timedelta(seconds=RETRY_SECONDS * 2 ** max(attempt - 1, 0))


def _notification(member_id: int, kind: str, message_id: int | None) -> Notification | None:
    """The unread notification the task is about, if the member may still see it."""
    member = Member.objects.filter(pk=member_id, status=MemberStatus.ACTIVE).first()
    if member is None:
        return None
    rows = queries.visible_notifications(member).filter(kind=kind, read_at__isnull=True)
    rows = rows.filter(message__isnull=True) if message_id is None else rows.filter(message_id=message_id)
    found = rows.select_related("actor", "channel", "message", "recipient").order_by("-pk").first()
    if found is None or (found.message is not None and found.message.deleted_at is not None):
        return None
    return found


def payload(notification: Notification) -> dict[str, str]:
    """What the service worker shows: the notification's line, a snippet, and the link that opens it."""
    with translation.override(settings.LANGUAGE_CODE):
        title = str(kinds.describe(notification))
    body = ""
    if not queries.settings_for(notification.recipient).hide_content:
        body = queries.message_snippets([notification]).get(notification.pk, "")
    data = {
        "title": title,
        "body": body,
        "url": site_url(reverse("notifications:open", args=[notification.pk])),
        "tag": f"kyoso-notification-{notification.pk}",
        "icon": site_url(static("kyoso/img/kyoso-mark.svg")),
    }
    while len(json.dumps(data, ensure_ascii=False).encode()) > MAX_PAYLOAD_BYTES and data["body"]:
        data["body"] = data["body"][: len(data["body"]) // 2] + "…"
    return data


class _Outcome:
    SENT = "sent"
    GONE = "gone"
    RETRY = "retry"
    FAILED = "failed"


def _send_one(subscription: PushSubscription, data: str, session: requests.Session) -> tuple[str, str]:
    claims: dict[str, str | int] = {"sub": settings.KYOSO_VAPID_SUBJECT}
    signer = _signer(settings.KYOSO_VAPID_PRIVATE_KEY, settings.KYOSO_VAPID_PRIVATE_KEY_FILE)
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=data,
            vapid_private_key=signer,
            vapid_claims=claims,
            ttl=TTL_SECONDS,
            timeout=TIMEOUT_SECONDS,
            headers={"Urgency": "normal"},
            requests_session=session,
        )
    except WebPushException as error:
        status = error.status_code or 0
        if status in GONE_STATUSES:
            return _Outcome.GONE, f"status {status}"
        if status in RETRY_STATUSES or status >= 500:
            return _Outcome.RETRY, f"status {status}"
        return _Outcome.FAILED, f"status {status}"
    except requests.TooManyRedirects:
        return _Outcome.FAILED, "redirected"  # a push service answers, it does not send us elsewhere
    except requests.RequestException as error:
        return _Outcome.RETRY, type(error).__name__
    return _Outcome.SENT, ""


@task()
def deliver_push(
    member_id: int,
    kind: str,
    message_id: int | None,
    attempt: int = 1,
    subscription_ids: list[int] | None = None,
) -> str:
    """Push one notification to the member's browsers (or, on a retry, to those that failed)."""
    if not enabled():
        return "off"
    notification = _notification(member_id, kind, message_id)
    if notification is None:
        return "nothing"  # read meanwhile, or no longer theirs to see
    _forget_signed_out(member_id)
    targets = PushSubscription.objects.filter(member_id=member_id).order_by("pk")
    if subscription_ids is not None:
        targets = targets.filter(pk__in=subscription_ids)
    data = json.dumps(payload(notification), ensure_ascii=False)
    again: list[int] = []
    sent = 0
    with requests.Session() as session:
        session.max_redirects = 0
        for subscription in targets:
            outcome, detail = _send_one(subscription, data, session)
            if outcome == _Outcome.SENT:
                sent += 1
                PushSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=timezone.now())
            elif outcome == _Outcome.GONE:
                subscription.delete()
                log_event(logger, "push.gone", member=member_id, subscription=subscription.pk, detail=detail)
            elif outcome == _Outcome.RETRY and attempt < MAX_ATTEMPTS:
                again.append(subscription.pk)
            else:
                log_event(
                    logger,
                    "push.failed",
                    level=logging.WARNING,
                    member=member_id,
                    subscription=subscription.pk,
                    attempts=attempt,
                    detail=detail,
                )
    if again:
        _retry(member_id, kind, message_id, attempt, again)
    log_event(
        logger, "push.sent", member=member_id, notification=notification.pk, sent=sent, retry=len(again)
    )
    return f"sent {sent}, retry {len(again)}"


def _retry(member_id: int, kind: str, message_id: int | None, attempt: int, ids: list[int]) -> None:
    at = timezone.now() + backoff(attempt)
    if not deliver_push.get_backend().supports_defer:
        # A backend that runs tasks at once cannot wait: this push is dropped (the bell and mail remain).
        log_event(
            logger, "push.retry_dropped", level=logging.WARNING, member=member_id, subscriptions=len(ids)
        )
        return
    try:
        deliver_push.using(run_after=at).enqueue(member_id, kind, message_id, attempt + 1, ids)
    except Exception as error:
        log_event(logger, "push.enqueue_failed", level=logging.ERROR, member=member_id, error=repr(error))
        return
    log_event(
        logger,
        "push.retry",
        level=logging.WARNING,
        member=member_id,
        subscriptions=len(ids),
        attempts=attempt,
        next_attempt=at.isoformat(timespec="seconds"),
    )
