from django.db import migrations, models


def create_index(apps, schema_editor):
    """The index tables of this database's kind, filled from the messages already there."""
    from kyoso.search.backends import backend_for
    from kyoso.search.schema import create_index_tables, record_analyzer_version

    connection = schema_editor.connection
    create_index_tables(connection)
    backend_for(connection).rebuild(batch_size=5000, progress=None)
    record_analyzer_version(connection)


def drop_index(apps, schema_editor):
    from kyoso.search.schema import drop_index_tables

    drop_index_tables(schema_editor.connection)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("chat", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="IndexState",
            fields=[
                ("key", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("value", models.CharField(max_length=200)),
            ],
            options={
                "verbose_name": "検索索引の状態",
                "verbose_name_plural": "検索索引の状態",
            },
        ),
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                ("message_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("channel_id", models.BigIntegerField()),
                ("author_id", models.BigIntegerField()),
                ("created_at", models.DateTimeField()),
            ],
            options={
                "db_table": "search_document",
                "managed": False,
            },
        ),
        migrations.RunPython(create_index, drop_index),
    ]
