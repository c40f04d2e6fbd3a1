"""No seat is ever given twice: enforced by the database (see ``appointments.constraints``)."""

from django.db import migrations

from guichet.appointments.constraints import install, uninstall


class Migration(migrations.Migration):
    dependencies = [("appointments", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
