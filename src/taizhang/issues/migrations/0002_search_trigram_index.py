"""A trigram index on the issues' search text, on PostgreSQL: "contains" searches over millions of issues.

SQLite has no such index and does not need one at its scale; without the pg_trgm extension (it needs the right
to create extensions) the migration leaves a notice and the search still works, only slower.
"""

from django.db import migrations, transaction


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic():
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as exc:  # no right to create extensions: search works, unindexed
        print(f"\n  pg_trgm is not available ({exc}); issue search will not be indexed.")
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS issues_issue_search_trgm ON issues_issue USING gin (search_text gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS issues_issue_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("issues", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
