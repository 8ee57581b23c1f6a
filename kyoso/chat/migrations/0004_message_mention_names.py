"""Show every stored mention with the member's own display name, not the one typed in the token.

Messages were rendered with the name written in ``@[名前](member:id)``, so a message could show any
name for any member. This renders the stored html of every message with a mention token again
(kyoso.chat.markdown.render), with the names read from the members' rows. Going back keeps the html.
"""

from django.conf import settings
from django.db import migrations

import kyoso.chat.markdown
from kyoso.chat.mentions import MEMBER_TOKEN


def rerender_mentions(apps, schema_editor):
    alias = schema_editor.connection.alias
    Message = apps.get_model("chat", "Message")
    Member = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    messages = Message.objects.using(alias).filter(text__contains="](member:", deleted_at__isnull=True)
    for message in messages.only("pk", "text", "html").iterator():
        ids = {int(match["id"]) for match in MEMBER_TOKEN.finditer(message.text)}
        names = dict(Member.objects.using(alias).filter(pk__in=ids).values_list("pk", "display_name"))
        html = kyoso.chat.markdown.render(message.text, names=names).html
        if html != message.html:
            Message.objects.using(alias).filter(pk=message.pk).update(html=html)


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0003_message_pinned_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(rerender_mentions, migrations.RunPython.noop)]
