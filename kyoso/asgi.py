"""ASGI entry point: Django over HTTP; the WebSocket routes join when real time arrives."""

import os

from django.core.asgi import get_asgi_application

from kyoso.chat.upload_limit import RequestBodyLimit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyoso.settings")

# Bodies over the upload limit are refused before Django spools them to disk.
application = RequestBodyLimit(get_asgi_application())
