from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "kyoso.web"
    verbose_name = "Web UI"
