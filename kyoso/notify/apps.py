from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "kyoso.notify"
    verbose_name = "通知 (notify)"
