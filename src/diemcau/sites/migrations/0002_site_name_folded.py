from django.db import migrations, models


def fill_folded_names(apps, schema_editor):
    from diemcau.textnorm import fold

    Site = apps.get_model("sites", "Site")
    batch = []
    for site in Site.objects.only("id", "name").iterator(chunk_size=2000):
        site.name_folded = fold(site.name)
        batch.append(site)
        if len(batch) >= 2000:
            Site.objects.bulk_update(batch, ["name_folded"])
            batch = []
    Site.objects.bulk_update(batch, ["name_folded"])


class Migration(migrations.Migration):
    dependencies = [
        ("sites", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="site",
            name="name_folded",
            field=models.CharField(default="", editable=False, max_length=255),
        ),
        migrations.RunPython(fill_folded_names, migrations.RunPython.noop),
    ]
