from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="privacyrequest",
            name="language",
            field=models.CharField(default="de", max_length=8),
        ),
    ]
