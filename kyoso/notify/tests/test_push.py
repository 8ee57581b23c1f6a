"""Web Push: off without VAPID keys; with them, a browser subscribes, and a mention reaches a real (local)
push service as an aes128gcm message signed with the server's VAPID key, which the test decrypts with
the browser's own key, as a browser would."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.contrib.sessions.backends.cache import SessionStore
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django_tasks import default_task_backend

from kyoso.accounts.models import MemberSession
from kyoso.notify import actions, push, vapid
from kyoso.notify.errors import InvalidPushSubscription, PushNotConfigured
from kyoso.notify.models import Notification, NotificationSettings, PushSubscription
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import make_channel, make_member, make_message, make_organization

pytestmark = pytest.mark.django_db(transaction=True)

SUBSCRIBE = "/notifications/push/subscribe/"
UNSUBSCRIBE = "/notifications/push/unsubscribe/"
SUBJECT = "mailto:kyoso-admin@example.lg.jp"
DEFAULT_HOSTS = ["fcm.googleapis.com", "updates.push.services.mozilla.com", "*.push.apple.com"]


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# --- a browser and a push service, both real enough to check the cryptography -------------------------


@dataclass
class Browser:
    """A browser's side of a subscription: its own P-256 key and auth secret (RFC 8291)."""

    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: b"0123456789abcdef")

    @property
    def p256dh(self) -> str:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def subscription(self, endpoint: str) -> dict[str, Any]:
        """What ``PushSubscription.toJSON()`` gives."""
        return {
            "endpoint": endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
        }

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        return json.loads(plain.decode("utf-8"))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class PushService:
    """A push service on 127.0.0.1: records each POST and answers with the next queued status (201)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.statuses: list[int] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                service.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = service.statuses.pop(0) if service.statuses else 201
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def endpoint(self, name: str = "browser-1") -> str:
        return f"{self.origin}/wpush/v2/{name}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = PushService()
    yield service
    service.close()


@pytest.fixture
def keys(settings: Any) -> vapid.KeyPair:
    """Push turned on with a key pair made here; the local push service is allowed (tests only)."""
    pair = vapid.generate()
    settings.KYOSO_VAPID_PUBLIC_KEY = pair.public
    settings.KYOSO_VAPID_PRIVATE_KEY = pair.private
    settings.KYOSO_VAPID_SUBJECT = SUBJECT
    settings.KYOSO_PUSH_ALLOW_HTTP_ENDPOINTS = True
    settings.KYOSO_PUSH_SERVICE_HOSTS = [*DEFAULT_HOSTS, "127.0.0.1"]
    return pair


@pytest.fixture
def queue_only(settings: Any) -> Any:
    """Tasks are recorded, not run: what was queued (and for when) can be read."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = default_task_backend
    backend.clear()  # type: ignore[attr-defined]
    return backend


@pytest.fixture
def town() -> dict[str, Any]:
    kurume, yame = make_organization("久留米市"), make_organization("八女市")
    hanako = make_member(kurume, display_name="久留米 花子")
    taro = make_member(yame, display_name="八女 太郎")
    desk = make_channel("窓口業務", creator=taro, members=[hanako])
    return {"hanako": hanako, "taro": taro, "desk": desk}


def mention(member: Any) -> str:
    return f"@[{member.display_name}](member:{member.pk})"


def client_for(member: Any, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    force_login_verified(client, member)
    return client


def post_json(client: Client, url: str, data: Any) -> Any:
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return client.post(url, body, content_type="application/json")


def subscribe(client: Client, browser: Browser, endpoint: str) -> Any:
    response = post_json(client, SUBSCRIBE, browser.subscription(endpoint))
    assert response.status_code == 200, response.content
    return response


def push_tasks(backend: Any) -> list[Any]:
    return [r for r in backend.results if r.task.name == "deliver_push"]


def verify_vapid(header: str, public_key: str, audience: str) -> dict[str, Any]:
    """RFC 8292: ``vapid t=<JWT>,k=<public key>``; the JWT is ES256-signed by the server's private key."""
    scheme, _, rest = header.partition(" ")
    assert scheme == "vapid"
    parts = dict(item.split("=", 1) for item in rest.split(","))
    assert parts["k"] == public_key
    signed, _, signature = parts["t"].rpartition(".")
    raw = vapid.b64url_decode(signature)
    assert len(raw) == 64
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), vapid.b64url_decode(public_key))
    key.verify(der, signed.encode(), ec.ECDSA(hashes.SHA256()))  # raises InvalidSignature if forged
    jwt_header, claims = (json.loads(vapid.b64url_decode(p)) for p in signed.split("."))
    assert jwt_header["alg"] == "ES256"
    assert claims["aud"] == audience
    assert claims["sub"] == SUBJECT
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    return claims


# --- off without keys -------------------------------------------------------------------------------


def test_without_keys_the_endpoints_answer_404_and_nothing_is_queued(town, queue_only) -> None:
    assert not push.enabled()
    client = client_for(town["hanako"])
    browser = Browser()
    endpoint = "https://fcm.googleapis.com/fcm/send/abc"
    answer = post_json(client, SUBSCRIBE, browser.subscription(endpoint))
    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == str(PushNotConfigured.message)
    assert post_json(client, UNSUBSCRIBE, {"endpoint": endpoint}).status_code == 404
    assert not PushSubscription.objects.exists()
    # A subscription left from a time the keys were set: still nothing is queued, nothing sent.
    PushSubscription.objects.create(
        member=town["hanako"], endpoint=endpoint, p256dh=browser.p256dh, auth=b64url(browser.auth)
    )
    make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} 確認をお願いします")
    assert Notification.objects.filter(recipient=town["hanako"]).count() == 1
    assert push_tasks(queue_only) == []
    # And the preferences page offers nothing about push.
    html = client.get(reverse("notifications:settings")).content.decode()
    assert "data-push" not in html and "プッシュ通知" not in html


def test_the_service_worker_and_manifest_are_served_either_way(town) -> None:
    worker = Client().get("/notifications/push/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("application/javascript")
    assert worker["Service-Worker-Allowed"] == "/"
    assert worker["Cache-Control"] == "no-cache"
    source = worker.content.decode()
    assert "showNotification" in source and "notificationclick" in source and "openWindow" in source
    assert 'addEventListener("fetch"' not in source  # pages load as they always do

    manifest = Client().get("/notifications/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest["Content-Type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["name"] == "kyoso" and body["display"] == "standalone" and body["lang"] == "ja"
    assert body["start_url"] == "/" and body["scope"] == "/"
    assert body["icons"] == [
        {"src": "/static/kyoso/img/kyoso-mark.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"}
    ]
    assert Client().get("/static/kyoso/img/kyoso-mark.svg").status_code == 200
    # Every page names the manifest (harmless without push: it only names the site for an installed app).
    home = Client().get("/").content.decode()
    assert '<link rel="manifest" href="/notifications/manifest.webmanifest">' in home


def test_the_opt_in_is_offered_only_when_push_is_configured(town, settings) -> None:
    request = RequestFactory().get("/notifications/settings/")
    request.user = town["hanako"]
    request.session = SessionStore()
    assert "data-push" not in render_to_string("notify/_push_optin.html", request=request)
    pair = vapid.generate()
    settings.KYOSO_VAPID_PUBLIC_KEY, settings.KYOSO_VAPID_PRIVATE_KEY = pair.public, pair.private
    html = render_to_string("notify/_push_optin.html", request=request)
    assert f'data-push-key="{pair.public}"' in html
    assert 'data-push-subscribed="0"' in html
    assert "このブラウザにプッシュ通知を送る" in html
    assert '<script type="module" src="/static/kyoso/js/push.js"></script>' in html
    assert "<script>" not in html  # no inline script (CSP)
    assert " hidden" in html  # until push.js finds a browser that can take push


# --- subscribing -------------------------------------------------------------------------------------


def test_a_member_subscribes_and_unsubscribes_this_browser(town, keys) -> None:
    client = client_for(town["hanako"])
    client.get("/")  # the session is listed on its first request
    browser = Browser()
    endpoint = "https://fcm.googleapis.com/fcm/send/hanako-laptop"
    answer = subscribe(client, browser, endpoint)
    assert answer.json() == {
        "ok": True,
        "subscribed": True,
        "notice": "このブラウザにプッシュ通知を送ります。",
    }
    saved = PushSubscription.objects.get()
    assert (saved.member, saved.endpoint, saved.p256dh) == (town["hanako"], endpoint, browser.p256dh)
    assert saved.session is not None and saved.session.session_key == client.session.session_key
    # Again from the same browser: still one.
    subscribe(client, browser, endpoint)
    assert PushSubscription.objects.count() == 1
    # Another member on the same browser profile (a shared PC) takes the endpoint over.
    subscribe(client_for(town["taro"]), browser, endpoint)
    assert PushSubscription.objects.get().member == town["taro"]
    # Hanako cannot remove Taro's; Taro can.
    assert post_json(client, UNSUBSCRIBE, {"endpoint": endpoint}).status_code == 200
    assert PushSubscription.objects.count() == 1
    answer = post_json(client_for(town["taro"]), UNSUBSCRIBE, {"endpoint": endpoint})
    assert answer.json()["subscribed"] is False
    assert not PushSubscription.objects.exists()


def test_signing_out_of_the_browser_stops_its_push(town, keys, push_service) -> None:
    client = client_for(town["hanako"])
    client.get("/")
    subscribe(client, Browser(), push_service.endpoint("signed-out"))
    other_device = client_for(town["hanako"])
    other_device.get("/")
    subscribe(other_device, Browser(), push_service.endpoint("still-signed-in"))
    assert MemberSession.objects.filter(member=town["hanako"]).count() == 2
    client.post(reverse("accounts:sign_out"))
    make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} 確認をお願いします")
    assert [r.path for r in push_service.received] == ["/wpush/v2/still-signed-in"]
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        push_service.endpoint("still-signed-in")
    ]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s: s.update(endpoint="http://fcm.googleapis.com/fcm/send/x"), id="http"),
        pytest.param(lambda s: s.update(endpoint="https://push.attacker.example/x"), id="unknown-host"),
        pytest.param(lambda s: s.update(endpoint="https://10.0.0.5/x"), id="internal-address"),
        pytest.param(lambda s: s.update(endpoint="https://user:pw@fcm.googleapis.com/x"), id="credentials"),
        pytest.param(lambda s: s.update(endpoint="https://fcm.googleapis.com/" + "a" * 1100), id="huge"),
        pytest.param(lambda s: s.update(endpoint="fcm.googleapis.com/x"), id="no-scheme"),
        pytest.param(lambda s: s.update(endpoint=12), id="not-text"),
        pytest.param(lambda s: s.pop("endpoint"), id="no-endpoint"),
        pytest.param(lambda s: s["keys"].update(p256dh="!!!not-base64!!!"), id="p256dh-not-base64url"),
        pytest.param(lambda s: s["keys"].update(p256dh=b64url(b"\x04" + b"1" * 64)), id="p256dh-off-curve"),
        pytest.param(lambda s: s["keys"].update(p256dh="A" * 5000), id="p256dh-huge"),
        pytest.param(lambda s: s["keys"].update(auth=b64url(b"short")), id="auth-wrong-size"),
        pytest.param(lambda s: s.pop("keys"), id="no-keys"),
        pytest.param(lambda s: s.update(keys=[1, 2]), id="keys-not-object"),
    ],
)
def test_a_subscription_that_is_not_one_is_refused_in_japanese(town, keys, settings, change) -> None:
    settings.KYOSO_PUSH_ALLOW_HTTP_ENDPOINTS = False  # as in production
    subscription = Browser().subscription("https://fcm.googleapis.com/fcm/send/x")
    change(subscription)
    answer = post_json(client_for(town["hanako"]), SUBSCRIBE, subscription)
    assert answer.status_code == 400
    assert answer.json()["error"] == {
        "code": "invalid_push_subscription",
        "message": str(InvalidPushSubscription.message),
    }
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("endpoint=https://fcm.googleapis.com/x", id="form-encoded"),
        pytest.param("{not json", id="broken-json"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
        pytest.param(json.dumps(["a list"]), id="a-list"),
        pytest.param(
            json.dumps({"endpoint": "https://fcm.googleapis.com/x", "pad": "x" * 5000}), id="too-big"
        ),
    ],
)
def test_a_body_that_is_not_a_subscription_is_refused(town, keys, body) -> None:
    answer = post_json(client_for(town["hanako"]), SUBSCRIBE, body)
    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith(
        "ブラウザから届いたプッシュ通知の登録内容が正しくありません。"
    )


def test_an_http_endpoint_is_refused_unless_tests_allow_a_local_push_service(town, keys, settings) -> None:
    settings.KYOSO_PUSH_ALLOW_HTTP_ENDPOINTS = False
    answer = post_json(client_for(town["hanako"]), SUBSCRIBE, Browser().subscription("http://127.0.0.1:9/x"))
    assert answer.status_code == 400


def test_subscribing_needs_a_signed_in_member_a_csrf_token_and_a_budget(town, keys) -> None:
    subscription = Browser().subscription("https://fcm.googleapis.com/fcm/send/x")
    anonymous = post_json(Client(), SUBSCRIBE, subscription)
    assert anonymous.status_code == 302 and "/accounts/" in anonymous["Location"]
    strict = client_for(town["hanako"], enforce_csrf_checks=True)
    assert post_json(strict, SUBSCRIBE, subscription).status_code == 403
    assert not PushSubscription.objects.exists()
    client = client_for(town["hanako"])
    for _ in range(30):
        assert post_json(client, SUBSCRIBE, subscription).status_code == 200
    refused = post_json(client, SUBSCRIBE, subscription)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"


def test_a_member_keeps_a_bounded_number_of_browsers(town, keys) -> None:
    client = client_for(town["hanako"])
    for n in range(push.MAX_SUBSCRIPTIONS_PER_MEMBER + 2):
        subscribe(client, Browser(), f"https://fcm.googleapis.com/fcm/send/device-{n}")
    kept = set(PushSubscription.objects.values_list("endpoint", flat=True))
    assert len(kept) == push.MAX_SUBSCRIPTIONS_PER_MEMBER
    assert "https://fcm.googleapis.com/fcm/send/device-0" not in kept


# --- sending -----------------------------------------------------------------------------------------


def test_a_mention_reaches_the_push_service_signed_and_encrypted_for_the_browser(
    town, keys, push_service
) -> None:
    browser = Browser()
    subscribe(client_for(town["hanako"]), browser, push_service.endpoint())
    make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} **窓口**の受付時間を教えてください")
    notification = Notification.objects.get(recipient=town["hanako"])

    assert len(push_service.received) == 1
    received = push_service.received[0]
    assert received.path == "/wpush/v2/browser-1"
    verify_vapid(received.headers["authorization"], keys.public, push_service.origin)
    assert received.headers["content-encoding"] == "aes128gcm"
    assert received.headers["ttl"] == str(push.TTL_SECONDS)
    assert b"\xe7\xaa\x93" not in received.body  # 窓 is not readable on the way: it is encrypted
    assert browser.decrypt(received.body) == {
        "title": "八女 太郎さんがあなたをメンションしました（#窓口業務）",
        "body": "@久留米 花子 窓口の受付時間を教えてください",
        "url": f"http://127.0.0.1:8000/notifications/{notification.pk}/",
        "tag": f"kyoso-notification-{notification.pk}",
        "icon": "http://127.0.0.1:8000/static/kyoso/img/kyoso-mark.svg",
    }
    assert PushSubscription.objects.get().last_sent_at is not None
    # Another browser that is not hers hears nothing; the author is not notified of his own post.
    assert Notification.objects.filter(recipient=town["taro"]).count() == 0


def test_the_link_in_the_push_opens_the_message_and_reads_it(town, keys, push_service) -> None:
    browser = Browser()
    client = client_for(town["hanako"])
    subscribe(client, browser, push_service.endpoint())
    message = make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} 見てください")
    url = browser.decrypt(push_service.received[0].body)["url"]
    opened = client.get(url.removeprefix("http://127.0.0.1:8000"))
    assert opened.status_code == 302
    assert str(message.pk) in opened["Location"]
    assert Notification.objects.get(recipient=town["hanako"]).read_at is not None


def test_hidden_content_sends_no_message_text(town, keys, push_service) -> None:
    NotificationSettings.objects.create(member=town["hanako"], hide_content=True)
    browser = Browser()
    subscribe(client_for(town["hanako"]), browser, push_service.endpoint())
    make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} 住民の氏名は山田一郎さんです")
    payload = browser.decrypt(push_service.received[0].body)
    assert payload["body"] == ""
    assert payload["title"] == "八女 太郎さんがあなたをメンションしました（#窓口業務）"
    assert "山田" not in json.dumps(payload, ensure_ascii=False)


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_says_is_gone_is_removed(town, keys, push_service, status) -> None:
    subscribe(client_for(town["hanako"]), Browser(), push_service.endpoint())
    push_service.statuses.append(status)
    make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} 確認をお願いします")
    assert len(push_service.received) == 1
    assert not PushSubscription.objects.exists()
    # The notification itself is untouched: the bell and the mail still have it.
    assert Notification.objects.filter(recipient=town["hanako"], read_at__isnull=True).count() == 1


def test_a_busy_push_service_is_tried_again_later_and_a_refusal_is_given_up(
    town, keys, push_service, queue_only
) -> None:
    browser = Browser()
    subscribe(client_for(town["hanako"]), browser, push_service.endpoint())
    make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} 確認をお願いします")
    [first] = push_tasks(queue_only)
    assert push_service.received == []  # queued after the commit, not sent by the post itself

    push_service.statuses.append(503)
    started = time.time()
    first.task.call(*first.args, **first.kwargs)
    assert len(push_service.received) == 1
    [_, retry] = push_tasks(queue_only)
    assert retry.args[3] == 2 and retry.args[4] == [PushSubscription.objects.get().pk]
    assert retry.task.run_after.timestamp() >= started + push.RETRY_SECONDS - 1
    retry.task.call(*retry.args, **retry.kwargs)
    assert len(push_service.received) == 2
    assert browser.decrypt(push_service.received[1].body)["title"].startswith("八女 太郎さん")
    assert len(push_tasks(queue_only)) == 2  # sent: no third try

    # A refusal that will not change (400) is logged and given up, the subscription kept.
    push_service.statuses.append(400)
    make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} もう一件")
    third = push_tasks(queue_only)[-1]
    third.task.call(*third.args, **third.kwargs)
    assert len(push_tasks(queue_only)) == 3
    assert PushSubscription.objects.count() == 1


def test_retries_stop_after_the_last_attempt(town, keys, push_service, queue_only) -> None:
    subscribe(client_for(town["hanako"]), Browser(), push_service.endpoint())
    make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} 確認をお願いします")
    push_service.statuses.extend([503] * push.MAX_ATTEMPTS)
    for _ in range(push.MAX_ATTEMPTS):
        latest = push_tasks(queue_only)[-1]
        latest.task.call(*latest.args, **latest.kwargs)
    assert len(push_service.received) == push.MAX_ATTEMPTS
    assert len(push_tasks(queue_only)) == push.MAX_ATTEMPTS
    assert PushSubscription.objects.count() == 1


def test_what_was_read_before_the_push_went_out_is_not_pushed(town, keys, push_service, queue_only) -> None:
    subscribe(client_for(town["hanako"]), Browser(), push_service.endpoint())
    make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} 確認をお願いします")
    actions.mark_all_read(member=town["hanako"])
    [queued] = push_tasks(queue_only)
    assert queued.task.call(*queued.args, **queued.kwargs) == "nothing"
    assert push_service.received == []


def test_members_without_a_subscription_queue_nothing(town, keys, queue_only) -> None:
    make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} 確認をお願いします")
    assert Notification.objects.filter(recipient=town["hanako"]).count() == 1
    assert push_tasks(queue_only) == []


def test_a_later_features_notification_is_pushed_too(town, keys, push_service) -> None:
    from kyoso.notify import kinds

    kinds.register(
        kinds.NotificationKind(
            key="test_push_reminder", label="リマインダー", describe=lambda n: "勉強会は明日です"
        )
    )
    browser = Browser()
    subscribe(client_for(town["hanako"]), browser, push_service.endpoint())
    actions.notify(recipients=[town["hanako"]], kind="test_push_reminder", data={"url": "/"})
    payload = browser.decrypt(push_service.received[0].body)
    assert payload["title"] == "勉強会は明日です" and payload["body"] == ""


# --- keys ----------------------------------------------------------------------------------------------


def test_push_keys_makes_a_pair_the_settings_accept(tmp_path) -> None:
    out = StringIO()
    call_command("push_keys", stdout=out)
    values = dict(line.split("=", 1) for line in out.getvalue().split())
    vapid.check_settings(
        public=values["KYOSO_VAPID_PUBLIC_KEY"],
        private=values["KYOSO_VAPID_PRIVATE_KEY"],
        private_file="",
        subject=SUBJECT,
    )
    pem = tmp_path / "vapid.pem"
    out = StringIO()
    call_command("push_keys", "--file", str(pem), stdout=out)
    values = dict(line.split("=", 1) for line in out.getvalue().split())
    assert pem.stat().st_mode & 0o777 == 0o600
    assert "KYOSO_VAPID_PRIVATE_KEY" not in values
    vapid.check_settings(
        public=values["KYOSO_VAPID_PUBLIC_KEY"], private="", private_file=str(pem), subject=SUBJECT
    )


def test_a_half_or_mismatched_configuration_is_refused_at_start() -> None:
    one, other = vapid.generate(), vapid.generate()
    with pytest.raises(ImproperlyConfigured, match="KYOSO_VAPID_PUBLIC_KEY must be set"):
        vapid.check_settings(public="", private=one.private, private_file="", subject=SUBJECT)
    with pytest.raises(ImproperlyConfigured, match="KYOSO_VAPID_PRIVATE_KEY"):
        vapid.check_settings(public=one.public, private="", private_file="", subject=SUBJECT)
    with pytest.raises(ImproperlyConfigured, match="does not belong"):
        vapid.check_settings(public=other.public, private=one.private, private_file="", subject=SUBJECT)
    with pytest.raises(ImproperlyConfigured, match="KYOSO_VAPID_SUBJECT"):
        vapid.check_settings(
            public=one.public, private=one.private, private_file="", subject="mailto:kyoso@localhost"
        )
    with pytest.raises(ImproperlyConfigured, match="not a usable"):
        vapid.check_settings(public=one.public, private="abc", private_file="", subject=SUBJECT)


# --- the authorisation matrix, with push on ------------------------------------------------------------


def test_the_push_endpoints_follow_the_signed_in_rule_when_push_is_on(keys, settings, monkeypatch) -> None:
    """The site-wide matrix runs with push off (404 to everyone); here the same cells, with push on."""
    from kyoso.testing import authz
    from kyoso.tests.test_authorization_matrix import Tally, build_world, cells, check_cell

    settings.KYOSO_OUTBOX = True
    routes = [
        r
        for r in authz.site_routes()
        if r.key in {"notifications:push_subscribe", "notifications:push_unsubscribe"}
    ]
    assert len(routes) == 2
    for route in routes:
        monkeypatch.setitem(authz.PAGE_POLICY, route.key, authz.Rule(authz.Access.SIGNED_IN, authz.POST))
    world = build_world()
    tally = Tally()
    for cell in cells(routes):
        check_cell(world, cell, tally)
    assert not tally.violations, "\n".join(tally.violations)
    assert tally.requests_by_outcome["allowed 400"] > 0  # the matrix's form body is not a subscription


# --- in a real browser ---------------------------------------------------------------------------------


def _sign_in(page: Any, member: Any, live_server: Any) -> None:
    client = client_for(member)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


SHOWN = """(tag) => navigator.serviceWorker.ready
    .then((r) => r.getNotifications({tag}))
    .then((all) => all.map((n) => ({title: n.title, body: n.body, tag: n.tag, url: n.data.url})))"""


def push_and_wait(page: Any, cdp: Any, origin: str, registration: str, data: dict[str, Any]) -> list[Any]:
    """Deliver a push to the worker through the DevTools protocol; the notifications with its tag once
    shown. Chromium can drop a push that arrives just as its worker activates: it is delivered again
    (the tag makes a second copy replace the first)."""
    for _attempt in range(4):
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": origin, "registrationId": registration, "data": json.dumps(data)},
        )
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            found = page.evaluate(SHOWN, data["tag"])
            if found:
                return list(found)
            page.wait_for_timeout(50)
    return []


@pytest.mark.browser
def test_the_service_worker_shows_a_pushed_notification(page: Any, live_server: Any, town, keys) -> None:
    """Chromium registers the worker from the preferences page with the scope /, and shows what a push
    brings (delivered through the DevTools protocol: there is no push service in a test)."""
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    _sign_in(page, town["hanako"], live_server)
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    page.goto(f"{live_server.url}/notifications/settings/")
    optin = page.locator("[data-push]")
    optin.wait_for(state="visible")
    button = optin.get_by_role("button")
    assert button.inner_text() == "このブラウザにプッシュ通知を送る"
    assert (
        optin.locator("[data-push-status]").inner_text() == "このブラウザにはプッシュ通知を送っていません。"
    )
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == f"{live_server.url}/"
    registration = next(r for r in registrations if r["scopeURL"] == scope and not r["isDeleted"])
    data = {
        "title": "八女 太郎さんがあなたをメンションしました（#窓口業務）",
        "body": "確認をお願いします",
        "url": f"{live_server.url}/notifications/",
        "tag": "kyoso-notification-1",
    }
    shown = push_and_wait(page, cdp, live_server.url, registration["registrationId"], data)
    assert shown == [{"title": data["title"], "body": data["body"], "tag": data["tag"], "url": data["url"]}]
    # A link to another site in a push would not be followed: the worker keeps to its own origin.
    elsewhere = {**data, "tag": "other", "url": "https://elsewhere.example/"}
    urls = [
        n["url"] for n in push_and_wait(page, cdp, live_server.url, registration["registrationId"], elsewhere)
    ]
    assert urls == [f"{live_server.url}/"]


@pytest.mark.browser
@pytest.mark.parametrize(
    "size", [{"width": 1280, "height": 800}, {"width": 360, "height": 740}], ids=["desktop", "phone"]
)
def test_the_opt_in_passes_axe_at_desktop_and_phone_size(
    page: Any, live_server: Any, town, keys, size
) -> None:
    from kyoso.web.tests.axe import report, violations

    page.set_viewport_size(size)
    _sign_in(page, town["hanako"], live_server)
    page.goto(f"{live_server.url}/notifications/settings/")
    page.locator("[data-push]").wait_for(state="visible")
    found = violations(page)
    assert not found, report(found)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= size["width"]
