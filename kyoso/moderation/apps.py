from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "kyoso.moderation"
    verbose_name = "モデレーション (moderation)"
