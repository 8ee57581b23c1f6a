"""The stamp list: every stamp of the community, and a form to add a custom one (with a picture)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from kyoso.accounts.models import Role
from kyoso.accounts.requests import MemberRequest
from kyoso.chat import actions, queries
from kyoso.chat.attachment_views import FILE_RESPONSE_CSP
from kyoso.chat.stamp_images import STAMP_FOLDER
from kyoso.chat.views._common import answer
from kyoso.core.errors import MemberFacingError

# A stamp's picture changes never (a new stamp gets a new id), so browsers may keep it a day.
STAMP_IMAGE_MAX_AGE = 24 * 60 * 60


class StampForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("スタンプの名前"),
        max_length=32,
        help_text=gettext_lazy("空白を含まない短い言葉。例：おつかれさま"),
    )
    emoji = forms.CharField(label=gettext_lazy("絵文字（任意）"), max_length=16, required=False)
    image = forms.FileField(
        label=gettext_lazy("画像（任意）"),
        required=False,
        help_text=gettext_lazy("PNG・JPEG・GIF・WebP。正方形に近い画像がきれいに表示されます。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "field__input"


def _may_create(request: MemberRequest) -> bool:
    return request.user.role == Role.OPERATOR or settings.KYOSO_MEMBERS_CREATE_STAMPS


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def stamp_list(request: MemberRequest) -> HttpResponse:
    may_create = _may_create(request)
    form = StampForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and may_create and form.is_valid():
        try:
            stamp = actions.create_stamp(
                member=request.user,
                name=form.cleaned_data["name"],
                emoji=form.cleaned_data["emoji"],
                image=form.cleaned_data["image"],
            )
        except MemberFacingError as error:
            form.add_error(None, str(error))
        else:
            return answer(
                request,
                redirect_to=reverse("chat:stamps"),
                notice=_("スタンプ「%(name)s」を追加しました。") % {"name": stamp.name},
            )
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and not may_create:
        status = 403
    context = {"nav": "channels", "stamps": queries.stamp_catalogue(), "form": form}
    context["may_create"] = may_create
    return render(request, "chat/stamps.html", context, status=status)


@login_required
@require_safe
def stamp_image(request: MemberRequest, stamp_id: int) -> FileResponse:
    stamp = queries.stamp_with_image(stamp_id)
    # Only ever a picture kyoso drew itself, wherever the row's path might have been pointed.
    if stamp is None or not stamp.image.startswith(f"{STAMP_FOLDER}/") or ".." in stamp.image:
        raise Http404(_("スタンプが見つかりません。"))
    response = FileResponse(default_storage.open(stamp.image, "rb"), content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_RESPONSE_CSP
    response["Cache-Control"] = f"private, max-age={STAMP_IMAGE_MAX_AGE}"
    return response
