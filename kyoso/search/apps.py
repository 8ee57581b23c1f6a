from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "kyoso.search"
    verbose_name = "検索 (search)"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from kyoso.search.actions import connect_to_chat
        from kyoso.search.backends import clear_orphaned_index, register_sqlite_functions

        # The index follows chat's messages; chat knows nothing of search.
        connect_to_chat()

        # The SQLite check function for candidates the index cannot decide alone.
        connection_created.connect(register_sqlite_functions, dispatch_uid="kyoso.search.sqlite_functions")
        # A database flush (tests) empties chat_message but not the index tables Django does not know.
        post_migrate.connect(clear_orphaned_index, sender=self, dispatch_uid="kyoso.search.clear_orphans")
