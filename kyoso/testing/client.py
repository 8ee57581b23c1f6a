"""The type of what Django's test client returns, for helpers that pass a response along.

The test client adds ``json()``, ``context``, ``templates`` and more to the response it returns;
django-stubs names that type ``_MonkeyPatchedWSGIResponse`` in the stubs only, so at run time the
name stands for the plain ``HttpResponse``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as ClientResponse
else:
    from django.http import HttpResponse as ClientResponse

__all__ = ["ClientResponse"]
