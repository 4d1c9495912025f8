"""Stored merge proposals remember what their clusters were (services.merge_freshness).

Rows stored before this have no first question nor size: a pair of theirs whose cluster is gone
counts as outdated, and the batch (last_question 0) is old enough for the automatic refresh.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("questions", "0005_merge_proposal_store"),
    ]

    operations = [
        migrations.AddField(
            model_name="mergeproposalbatch",
            name="last_question",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="mergeproposalbatch",
            name="refresh_queued_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="storedmergeproposal",
            name="source_first",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="storedmergeproposal",
            name="source_size",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="storedmergeproposal",
            name="target_first",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="storedmergeproposal",
            name="target_size",
            field=models.IntegerField(default=0),
        ),
        migrations.AlterField(
            model_name="storedmergeproposal",
            name="source",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="questions.cluster",
            ),
        ),
        migrations.AlterField(
            model_name="storedmergeproposal",
            name="target",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="questions.cluster",
            ),
        ),
    ]
