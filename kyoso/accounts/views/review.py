"""参加申請の審査: the operators' queue of applications, and advisor invitations."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kyoso.accounts import actions
from kyoso.accounts.errors import AccountError
from kyoso.accounts.queries import applications_in_review, can_review_applications, review_evidence
from kyoso.accounts.ratelimit import client_ip
from kyoso.accounts.registration_forms import InvitationForm, RejectForm

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
def queue(request: HttpRequest) -> HttpResponse:
    pending = applications_in_review(request.user)
    context = {
        "nav": "review",
        "evidence": [review_evidence(application) for application in pending],
        "reject_form": RejectForm(),
    }
    return render(request, "accounts/review/queue.html", context)


@require_POST
@reviewer_required
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(applications_in_review(request.user), pk=pk)
    try:
        member = actions.approve_application(
            operator=request.user, application=application, ip_address=client_ip(request)
        )
    except AccountError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(name)sさんの参加を承認しました。") % {"name": member.full_name})
    return redirect("accounts:review_queue")


@require_POST
@reviewer_required
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(applications_in_review(request.user), pk=pk)
    form = RejectForm(request.POST)
    try:
        if not form.is_valid():
            raise AccountError(form.errors["reason"][0])
        actions.reject_application(
            operator=request.user,
            application=application,
            reason=form.cleaned_data["reason"],
            ip_address=client_ip(request),
        )
    except AccountError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(name)sさんの申請を却下しました。") % {"name": application.full_name})
    return redirect("accounts:review_queue")


@reviewer_required
def invite(request: HttpRequest) -> HttpResponse:
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
        except AccountError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request, _("%(email)s に招待メールを送りました。") % {"email": form.cleaned_data["email"]}
            )
            return redirect("accounts:invite_advisor")
    return render(request, "accounts/review/invite.html", {"form": form, "nav": "review"})


urlpatterns: list[URLPattern] = [
    path("review/", queue, name="review_queue"),
    path("review/<int:pk>/approve/", approve, name="approve_application"),
    path("review/<int:pk>/reject/", reject, name="reject_application"),
    path("review/invite/", invite, name="invite_advisor"),
]
