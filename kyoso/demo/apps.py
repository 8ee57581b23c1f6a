from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "kyoso.demo"
    verbose_name = "デモコミュニティ (demo)"
