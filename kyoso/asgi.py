"""ASGI entry point: Django over HTTP, and the live connection (``/ws/``, kyoso.realtime) over WebSocket."""

import os

from django.core.asgi import get_asgi_application

from kyoso.core.limits import RequestBodyLimit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyoso.settings")

# Bodies over the upload limit are refused before Django spools them to disk.
http_application = RequestBodyLimit(get_asgi_application())

# Imported once Django is set up (get_asgi_application does that): the consumer uses the models.
from channels.routing import ProtocolTypeRouter  # noqa: E402

from kyoso.realtime.origin import OriginValidator  # noqa: E402
from kyoso.realtime.routing import application as websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http_application,
        # A page of another site (or of another port or scheme on this host) must not open a socket with
        # our member's cookie: the exact origin is checked (kyoso.realtime.origin).
        "websocket": OriginValidator(websocket_application),
    }
)
