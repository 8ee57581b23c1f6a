"""The WebSocket routes: ``/ws/``, the one live connection of a page (see kyoso.realtime.consumers).

The consumer reads the session cookie itself (kyoso.realtime.auth) rather than through Channels'
AuthMiddlewareStack: that stack keeps the session and the member row in every socket's scope for its
whole life, and costs a second trip to the database per connection.
"""

from __future__ import annotations

from channels.routing import URLRouter
from django.urls import path

from kyoso.realtime.consumers import LiveConsumer

websocket_urlpatterns = [path("ws/", LiveConsumer.as_asgi())]

application = URLRouter(websocket_urlpatterns)
