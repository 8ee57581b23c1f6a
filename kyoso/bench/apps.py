from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "kyoso.bench"
    verbose_name = "ベンチマーク (bench)"
