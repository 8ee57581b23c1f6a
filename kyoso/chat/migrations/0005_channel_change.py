"""The change log of each channel (ChannelChange) and its counter (Channel.change_seq), for catch-up.

Existing channels start with an empty log at 0: a page loaded after this migration holds a cursor; an
older page still says the last message id it holds, and catch-up answers it as before.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('chat', '0004_message_mention_names'),
    ]

    operations = [
        migrations.AddField(
            model_name='channel',
            name='change_seq',
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.CreateModel(
            name='ChannelChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.PositiveBigIntegerField()),
                ('kind', models.CharField(choices=[('created', 'Created'), ('edited', 'Edited'), ('files', 'Files'), ('pinned', 'Pinned'), ('deleted', 'Deleted'), ('replied', 'Replied'), ('stamped', 'Stamped'), ('unstamped', 'Unstamped')], max_length=16)),
                ('message_id', models.BigIntegerField()),
                ('stamp_id', models.BigIntegerField(blank=True, null=True)),
                ('member_id', models.BigIntegerField(blank=True, null=True)),
                ('channel', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='chat.channel')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('channel', 'seq'), name='unique_channel_change_seq')],
            },
        ),
    ]
