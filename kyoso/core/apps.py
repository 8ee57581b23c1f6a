from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kyoso.core"
    label = "core"
    verbose_name = "kyoso core"

    def ready(self) -> None:
        from datetime import timedelta

        from django.conf import settings
        from django.urls import register_converter
        from django_tasks.signals import task_finished

        from kyoso.core import schedule
        from kyoso.core.mail import prune_mail, sweep_mail
        from kyoso.core.validation import IdConverter
        from kyoso.core.worker import log_failed_task, recover_abandoned_tasks

        # <id:message_id>: an id the database can hold, else 404 (kyoso.core.validation).
        register_converter(IdConverter, "id")
        task_finished.connect(log_failed_task, dispatch_uid="kyoso.core.log_failed_task")
        # Periodic jobs of `kyoso worker`: the kernel's own, beside those other apps register.
        heartbeat = timedelta(seconds=settings.KYOSO_WORKER_HEARTBEAT_SECONDS)
        schedule.register("tasks.recover", recover_abandoned_tasks, every=heartbeat)
        schedule.register("mail.sweep", sweep_mail, every=heartbeat)
        schedule.register("mail.prune", prune_mail, every=timedelta(hours=1))
