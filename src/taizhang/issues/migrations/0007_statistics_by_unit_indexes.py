"""Indexes that lead with the responsible unit, for the district's statistics by unit (counted unit by unit, one
range of an index each). The weeks are counted range by range too, so the extended statistics on the week
expressions (0006) are no longer read: they go."""

from importlib import import_module

from django.conf import settings
from django.db import migrations, models

week_statistics = import_module("taizhang.issues.migrations.0006_week_expression_statistics")


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0006_week_expression_statistics"),
        ("org", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="issue",
            index=models.Index(
                condition=models.Q(("voided_at__isnull", True)),
                fields=["responsible_unit", "registered_at"],
                include=("rework_count", "recurrence_count"),
                name="issues_unit_registered",
            ),
        ),
        migrations.AddIndex(
            model_name="issue",
            index=models.Index(
                condition=models.Q(("closed_at__isnull", False), ("voided_at__isnull", True)),
                fields=["responsible_unit", "closed_at"],
                name="issues_unit_closed",
            ),
        ),
        migrations.AddIndex(
            model_name="issue",
            index=models.Index(
                condition=models.Q(("voided_at__isnull", True)),
                fields=["responsible_unit", "deadline"],
                include=("status", "closed_on_time"),
                name="issues_unit_deadline",
            ),
        ),
        migrations.RunPython(week_statistics.drop, week_statistics.create),
    ]
