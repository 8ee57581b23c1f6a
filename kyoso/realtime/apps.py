from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "kyoso.realtime"
    verbose_name = "リアルタイム配信 (realtime)"
