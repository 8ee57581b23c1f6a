from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "kyoso.chat"
    verbose_name = "チャンネルとメッセージ (chat)"
