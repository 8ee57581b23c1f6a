"""Sign-in and sign-out. E-mail link sign-in and two-factor authentication come later."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _

from kyoso.accounts.forms import SignInForm


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True
    extra_context = {"nav": "sign_in"}

    def form_valid(self, form: SignInForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("サインインしました。"))
        return response


class SignOutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("サインアウトしました。"))
        return response


urlpatterns = [
    path("sign-in/", SignInView.as_view(), name="sign_in"),
    path("sign-out/", SignOutView.as_view(), name="sign_out"),
]
