"""/favicon.ico, which browsers ask for on pages that name no icon (the Django admin)."""

from __future__ import annotations

from django.test import Client


def test_favicon_ico_leads_to_kyosos_mark_not_a_404(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/kyoso/img/kyoso-mark.svg"
