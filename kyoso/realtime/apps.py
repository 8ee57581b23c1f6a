from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "kyoso.realtime"
    verbose_name = "リアルタイム配信 (realtime)"

    def ready(self) -> None:
        from kyoso.core import events
        from kyoso.realtime.pubsub import transport

        # Every event published by an action reaches every server process's open sockets.
        events.add_sink(lambda audience, event: transport().publish(audience, event))
