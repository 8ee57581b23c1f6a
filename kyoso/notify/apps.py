from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "kyoso.notify"
    verbose_name = "通知 (notify)"

    def ready(self) -> None:
        from kyoso.chat import signals
        from kyoso.core import schedule
        from kyoso.notify import actions, missed_mail

        uid = "kyoso.notify"
        signals.message_written.connect(actions.on_message_written, dispatch_uid=f"{uid}.written")
        signals.channel_read.connect(actions.on_channel_read, dispatch_uid=f"{uid}.channel_read")
        signals.messages_purging.connect(actions.on_messages_purging, dispatch_uid=f"{uid}.purging")
        signals.thread_read.connect(actions.on_thread_read, dispatch_uid=f"{uid}.thread_read")
        schedule.register(missed_mail.JOB_NAME, missed_mail.run, every=missed_mail.JOB_EVERY)
        from kyoso.notify import digests

        schedule.register(digests.JOB_NAME, digests.run, every=digests.JOB_EVERY)
