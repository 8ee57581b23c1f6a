from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "kyoso.directory"
    verbose_name = "団体名簿 (directory)"
