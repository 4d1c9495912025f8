# Written by hand (the counters of completion per conference and site).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0002_grading_templates"),
        ("programme", "0001_initial"),
        ("sites", "0002_site_name_folded"),
    ]

    operations = [
        migrations.CreateModel(
            name="CompletionSite",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("delegates", models.IntegerField(default=0)),
                ("attended", models.IntegerField(default=0)),
                ("quiz_passed", models.IntegerField(default=0)),
                ("report_graded", models.IntegerField(default=0)),
                ("report_passed", models.IntegerField(default=0)),
                ("completed", models.IntegerField(default=0)),
                ("stale", models.BooleanField(default=True)),
                (
                    "conference",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="programme.conference",
                    ),
                ),
                (
                    "site",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="sites.site",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("conference", "site"), name="assessment_completion_site_unique"
                    )
                ],
            },
        ),
    ]
