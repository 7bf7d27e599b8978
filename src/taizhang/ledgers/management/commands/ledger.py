"""``taizhang ledger import|export``: spreadsheets in and out of a ledger, stable for scripts.

    taizhang ledger import KIND FILE [--period YYYY-MM] [--sheet NAME] [--unit CODE] [--dry-run] [--json]
                                     [--as USER]
    taizhang ledger export KIND --out FILE.xlsx|FILE.csv [--period YYYY-MM] [--filter NAME=VALUE]…
                                [--search Q] [--as USER]

The command acts as ``--as USER``, else as ``$TAIZHANG_AS``, else as the only active superuser (a usage error
when there is none or more than one).

Import checks every row and, when nothing is wrong and ``--dry-run`` is not given, imports them all in one
transaction. ``--json`` prints one object: {"rows_read", "created", "updated", "unchanged", "skipped",
"errors": [{"row", "column", "value", "message"}], "warnings": [...], "batch", "committed"}.
Exit status: 0 no errors; 1 errors (nothing was imported); 2 usage error.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import CommandError
from django.http import QueryDict
from django.test import RequestFactory

from taizhang.core.errors import DomainError
from taizhang.ledgers import export, importing, registry, services
from taizhang.ledgers.management.commands._common import LedgerCommand, add_acting_user, parse_period, usage_error
from taizhang.ledgers.models import ImportBatch, ImportStatus
from taizhang.ledgers.parsing import Problem


class Command(LedgerCommand):
    help = "Import a spreadsheet into a ledger, or export a ledger as .xlsx (office layout) or .csv."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        actions = parser.add_subparsers(dest="action", required=True, metavar="import|export")
        kinds = ", ".join(k.name for k in registry.kinds())

        imp = actions.add_parser("import", help="check a file and import it", description=__doc__)
        imp.add_argument("kind", help=f"the ledger: {kinds}")
        imp.add_argument("file", help=".xlsx, .xls or .csv")
        imp.add_argument("--period", help="the report period, YYYY-MM (default: from the sheet)")
        imp.add_argument("--sheet", default="", help="the sheet to read (default: the one whose header fits)")
        imp.add_argument("--unit", default="", help="code of the unit the import belongs to (default: the user's)")
        imp.add_argument("--dry-run", action="store_true", help="check only; import nothing")
        imp.add_argument("--json", action="store_true", help="print the result as one JSON object")
        add_acting_user(imp)

        exp = actions.add_parser("export", help="export a ledger as the list page shows it")
        exp.add_argument("kind", help=f"the ledger: {kinds}")
        exp.add_argument("--out", required=True, help="file to write: .xlsx (office layout) or .csv")
        exp.add_argument("--period", help="the period the title states, YYYY-MM (default: this month)")
        exp.add_argument("--filter", action="append", default=[], metavar="NAME=VALUE", help="a list filter")
        exp.add_argument("--search", default="", help="search by name, pinyin or initials")
        add_acting_user(exp)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            kind = registry.get(options["kind"])
        except KeyError as exc:
            known = ", ".join(k.name for k in registry.kinds())
            raise usage_error(f"unknown ledger {options['kind']!r}; known: {known}") from exc
        user = self.user(options)
        if options["action"] == "import":
            self.do_import(kind, user, options)
        else:
            self.do_export(kind, user, options)

    # --- import ---------------------------------------------------------------------------------------

    def do_import(self, kind: Any, user: Any, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise usage_error(f"no such file: {path}")
        period = parse_period(options.get("period"))
        unit = self.unit(options["unit"]) if options["unit"] else None
        try:
            with path.open("rb") as handle:
                batch = services.import_batch_create(
                    actor=user,
                    kind=kind.name,
                    upload=File(handle, name=path.name),
                    sheet=options["sheet"],
                    period=f"{period[0]:04d}-{period[1]:02d}" if period else "",
                    unit=unit,
                    run="caller",
                )
        except DomainError as exc:
            self.finish(None, [Problem(None, "", "", _refusal(exc))], [], options)
            return
        # Without --dry-run, check and import in one pass; with an error nothing is written and the batch is checked.
        batch = importing.analyse(batch, user) if options["dry_run"] else services.run_at_once(batch, user)
        problems = importing.problems_of(batch)
        self.finish(
            batch,
            [p for p in problems if p.is_error],
            [p for p in problems if not p.is_error],
            options,
        )

    def unit(self, code: str) -> Any:
        from taizhang.org.models import Unit

        unit = Unit.objects.live().filter(code=code).first()
        if unit is None:
            raise usage_error(f"--unit: no unit with code {code!r}")
        return unit

    def finish(
        self, batch: ImportBatch | None, errors: list[Problem], warnings: list[Problem], options: dict[str, Any]
    ) -> None:
        counts = (
            batch.counts()
            if batch is not None
            else dict.fromkeys(("rows_read", "created", "updated", "unchanged", "skipped"), 0)
        )
        committed = batch is not None and batch.status == ImportStatus.COMMITTED
        result = {
            **counts,
            "errors": [p.as_dict() for p in errors],
            "warnings": [p.as_dict() for p in warnings],
            "batch": batch.pk if batch is not None else None,
            "committed": committed,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))
        else:
            self.report(batch, result, errors, warnings, options)
        if errors:
            raise CommandError(f"{len(errors)} error(s); nothing was imported", returncode=1)

    def report(
        self,
        batch: ImportBatch | None,
        result: dict[str, Any],
        errors: list[Problem],
        warnings: list[Problem],
        options: dict[str, Any],
    ) -> None:
        if batch is not None:
            self.stdout.write(
                f"batch {batch.pk}: {result['rows_read']} rows read — {result['created']} new, "
                f"{result['updated']} changed, {result['unchanged']} unchanged, {result['skipped']} skipped"
            )
        for label, problems in (("error", errors), ("warning", warnings)):
            for p in problems:
                where = f"row {p.row}" if p.row else "file"
                column = f" [{p.column}]" if p.column else ""
                value = f" “{p.value}”" if p.value else ""
                self.stdout.write(f"{label}: {where}{column}{value}: {p.message}")
        if result["committed"]:
            self.stdout.write(self.style.SUCCESS("imported"))
        elif not errors and options["dry_run"]:
            self.stdout.write("checked only (--dry-run): nothing was imported")

    # --- export ---------------------------------------------------------------------------------------

    def do_export(self, kind: Any, user: Any, options: dict[str, Any]) -> None:
        out = Path(options["out"])
        suffix = out.suffix.lower().lstrip(".")
        if suffix not in ("xlsx", "csv"):
            raise usage_error("--out must end in .xlsx or .csv")
        period = parse_period(options.get("period"))
        view_class = kind.list_view_class()
        data = QueryDict(mutable=True)
        for item in options["filter"]:
            name, sep, value = item.partition("=")
            if not sep or not name:
                raise usage_error(f"--filter {item!r}: write NAME=VALUE")
            data.appendlist(name, value)
        if options["search"]:
            data["q"] = options["search"]
        filters = getattr(view_class.filterset_class, "base_filters", {}) if view_class is not None else {}
        if period is not None and "year" in filters and "year" not in data:
            data["year"] = str(period[0])  # a ledger kept by year: the period's year
        request = RequestFactory().get("/", data=data)
        request.user = user
        view = view_class()
        view.setup(request)
        queryset = view.base_queryset()
        if view.filterset_class is not None:
            known = set(view.filterset_class.base_filters)
            unknown = [name for name in data if name not in known]
            if unknown:
                raise usage_error(f"unknown filter(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
            filterset = view.filterset_class(data or None, queryset=queryset, request=request)
            if filterset.is_bound and not filterset.is_valid():
                raise usage_error(f"invalid filter: {json.dumps(filterset.errors, ensure_ascii=False)}")
            queryset = filterset.qs
        queryset, _sort = view.sort(queryset, view.visible_columns())
        period = kind.sheet.export_period(user, queryset, period, data)
        queryset = kind.sheet.export_queryset(user, queryset, period)
        title = export.export_title(kind.sheet, user, period)
        if suffix == "csv":
            with out.open("wb") as handle:
                export.write_csv(handle, kind.sheet, queryset.iterator(chunk_size=2000), title.year, title.month)
            count = queryset.count()
        else:
            count = export.write_xlsx(out, kind.sheet, export.groups_of(kind.sheet, queryset), title)
        self.stdout.write(f"{count} rows written to {out}")


def _refusal(exc: DomainError) -> str:
    details = "; ".join(m for messages in exc.fields.values() for m in messages)
    return details or exc.message
