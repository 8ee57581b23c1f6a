"""ASGI entry point: Django over HTTP, and the live connection (``/ws/``, kyoso.realtime) over WebSocket."""

import os

from django.core.asgi import get_asgi_application

from kyoso.core.limits import RequestBodyLimit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyoso.settings")

# Bodies over the upload limit are refused before Django spools them to disk.
http_application = RequestBodyLimit(get_asgi_application())

# Imported once Django is set up (get_asgi_application does that): the consumer uses the models.
from channels.routing import ProtocolTypeRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from kyoso.realtime.routing import application as websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http_application,
        # A page of another site must not open a socket with our member's cookie.
        "websocket": AllowedHostsOriginValidator(websocket_application),
    }
)
