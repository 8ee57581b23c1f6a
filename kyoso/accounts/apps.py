from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kyoso.accounts"
    verbose_name = "メンバー (accounts)"
