"""ASGI entry point: Django over HTTP; the WebSocket routes join when real time arrives."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyoso.settings")

application = get_asgi_application()
