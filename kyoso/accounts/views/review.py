"""参加申請の審査: the operators' queue of applications, and advisor invitations."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kyoso.accounts import actions
from kyoso.accounts.errors import AccountError
from kyoso.accounts.models import Application
from kyoso.accounts.queries import (
    application_in_review,
    applications_in_review,
    can_review_applications,
    review_evidence,
)
from kyoso.accounts.registration_forms import InvitationForm, RejectForm
from kyoso.accounts.requests import MemberRequest
from kyoso.core.errors import MemberFacingError
from kyoso.core.ratelimit import client_ip

View = Callable[..., HttpResponse]


def reviewer_required(view: View) -> View:
    """Signed-out people are sent to sign in; members who may not review see a 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_review_applications(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@reviewer_required
def queue(request: MemberRequest) -> HttpResponse:
    pending = applications_in_review(request.user)
    context = {
        "nav": "review",
        "evidence": [review_evidence(application) for application in pending],
        "reject_form": RejectForm(),
    }
    return render(request, "accounts/review/queue.html", context)


def _in_review(request: MemberRequest, pk: int) -> Application:
    application = application_in_review(request.user, pk)
    if application is None:
        raise Http404
    return application


@require_POST
@reviewer_required
def approve(request: MemberRequest, pk: int) -> HttpResponse:
    application = _in_review(request, pk)
    try:
        member = actions.approve_application(
            operator=request.user, application=application, ip_address=client_ip(request)
        )
    except MemberFacingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(name)sさんの参加を承認しました。") % {"name": member.full_name})
    return redirect("accounts:review_queue")


@require_POST
@reviewer_required
def reject(request: MemberRequest, pk: int) -> HttpResponse:
    application = _in_review(request, pk)
    form = RejectForm(request.POST)
    try:
        if not form.is_valid():
            raise AccountError(str(form.errors["reason"][0]))
        actions.reject_application(
            operator=request.user,
            application=application,
            reason=form.cleaned_data["reason"],
            ip_address=client_ip(request),
        )
    except MemberFacingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(name)sさんの申請を却下しました。") % {"name": application.full_name})
    return redirect("accounts:review_queue")


@reviewer_required
def invite(request: MemberRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.invite_advisor(
                operator=request.user,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                language=translation.get_language(),
                ip_address=client_ip(request),
            )
        except MemberFacingError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request, _("%(email)s に招待メールを送りました。") % {"email": form.cleaned_data["email"]}
            )
            return redirect("accounts:invite_advisor")
    return render(request, "accounts/review/invite.html", {"form": form, "nav": "review"})


urlpatterns: list[URLPattern] = [
    path("review/", queue, name="review_queue"),
    path("review/<id:pk>/approve/", approve, name="approve_application"),
    path("review/<id:pk>/reject/", reject, name="reject_application"),
    path("review/invite/", invite, name="invite_advisor"),
]
