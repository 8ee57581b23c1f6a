from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kyoso.api"
    verbose_name = "JSON API とアクセストークン (api)"
