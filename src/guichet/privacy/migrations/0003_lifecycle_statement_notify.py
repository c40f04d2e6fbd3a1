# Statement change notices (P35): resumable, at-most-once emailing per version.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0002_requests_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="statementversion",
            name="notified_count",
            field=models.PositiveIntegerField(default=0, verbose_name="emails sent"),
        ),
        migrations.AddField(
            model_name="statementversion",
            name="notify_cursor",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
    ]
