from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kyoso.accounts"
    verbose_name = "メンバー (accounts)"

    def ready(self) -> None:
        from kyoso.accounts.schedule import run_daily_jobs
        from kyoso.core import schedule

        # Every pass of `kyoso worker` (its --interval); the jobs are idempotent.
        schedule.register("accounts.daily", run_daily_jobs)
