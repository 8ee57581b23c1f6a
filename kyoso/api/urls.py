from django.urls import path

from kyoso.api import views

app_name = "api_tokens"

urlpatterns = [
    path("", views.tokens, name="list"),
    path("<id:token_id>/revoke/", views.revoke, name="revoke"),
]
