"""アクセストークン: the page where a member makes and revokes personal access tokens.

A new token's secret is shown once, in the answer to the POST that made it, and never stored; the
page is never cached, so the secret does not linger in the browser's history cache.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kyoso.accounts.requests import MemberRequest
from kyoso.api import actions, queries
from kyoso.api.forms import TokenForm
from kyoso.core.errors import MemberFacingError
from kyoso.core.ratelimit import client_ip


def _ip(request: HttpRequest) -> str | None:
    ip = client_ip(request)
    return ip if ip != "unknown" else None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: MemberRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = actions.create_personal_token(
                member=request.user,
                name=form.cleaned_data["name"],
                expires_in_days=form.cleaned_data["expires_in_days"],
                ip_address=_ip(request),
            )
        except MemberFacingError as error:
            form.add_error(None, str(error))
        else:
            form = TokenForm()
    context = {
        "nav": "security",
        "form": form,
        "secret": secret,
        "tokens": queries.tokens_of(request.user),
    }
    return render(request, "api/tokens.html", context)


@login_required
@require_POST
def revoke(request: MemberRequest, token_id: int) -> HttpResponse:
    try:
        token = actions.revoke_personal_token(member=request.user, token=token_id, ip_address=_ip(request))
    except MemberFacingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("アクセストークン「%(name)s」を無効にしました。") % {"name": token.name})
    return redirect("api_tokens:list")
