"""The site's own address (KYOSO_SITE_URL), and where a development server is actually reached.

In production KYOSO_SITE_URL is what members use, and nothing here changes it. In development and in
the demo it is usually left unset; then its default (port 8000) would put links in e-mails, and the
sign-in URL the demo prints, on a port nobody serves when `kyoso serve --port N` (or
`dev.py start --port N`) runs elsewhere. ``served_site_url`` is the address such a server is reached
at, and ``kyoso serve`` adopts it for itself and its worker.
"""

from __future__ import annotations

import os

from django.conf import settings

SITE_URL_VARIABLE = "KYOSO_SITE_URL"
# A server bound to every interface is still reached on this machine at 127.0.0.1.
_ANY_ADDRESS = {"", "0.0.0.0", "::", "[::]"}  # noqa: S104 - compared with, never bound to


def local_url(host: str, port: int) -> str:
    """``http://host:port`` as a browser on this machine would type it."""
    if host in _ANY_ADDRESS:
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def site_url_configured() -> bool:
    """Whether KYOSO_SITE_URL was set (in the environment or in .env, which settings loaded into it)."""
    return bool(os.environ.get(SITE_URL_VARIABLE))


def served_site_url(host: str, port: int) -> str:
    """The address links should use for a server on ``host:port``: KYOSO_SITE_URL when it was set
    (always in production), else the local address of that host and port."""
    if settings.PRODUCTION or site_url_configured():
        return str(settings.KYOSO_SITE_URL).rstrip("/")
    return local_url(host, port)


def adopt_served_address(host: str, port: int) -> str:
    """Make ``served_site_url`` the site's address in this process and in those it starts (the worker,
    uvicorn's workers); returns it. Changes nothing when KYOSO_SITE_URL was set, or in production."""
    url = served_site_url(host, port)
    if not (settings.PRODUCTION or site_url_configured()):
        os.environ[SITE_URL_VARIABLE] = url
        settings.KYOSO_SITE_URL = url
    return url
