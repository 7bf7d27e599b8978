"""Extended statistics on the weeks of registration, closing and deadline (PostgreSQL 14 and later).

Grouping a year of issues by week, the planner cannot tell how many weeks there are and assumes one group per
row, which rules out a parallel aggregate. With these statistics it knows (about 52 a year) and the statistics
page's weeks view reads the indexes in parallel. The expressions are those Django writes for ``TruncWeek`` in
the project's time zone. Nothing to do on SQLite.
"""

from django.conf import settings
from django.db import migrations

COLUMNS = ("registered_at", "closed_at", "deadline")


def _postgres(schema_editor):
    connection = schema_editor.connection
    return connection.vendor == "postgresql" and connection.pg_version >= 140000


def create(apps, schema_editor):
    if not _postgres(schema_editor):
        return
    zone = settings.TIME_ZONE.replace("'", "")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS issues_issue_week_{column} "
            f"ON (DATE_TRUNC('week', \"{column}\" AT TIME ZONE '{zone}')) FROM issues_issue"
        )
    schema_editor.execute("ANALYZE issues_issue")


def drop(apps, schema_editor):
    if not _postgres(schema_editor):
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP STATISTICS IF EXISTS issues_issue_week_{column}")


class Migration(migrations.Migration):
    dependencies = [("issues", "0005_index_running_and_stopped_issues_by_status")]

    operations = [migrations.RunPython(create, drop)]
