"""Column specs: how a ledger's records look in a spreadsheet, declared once for import and export.

A ledger declares a :class:`Sheet` in its ``columns.py``: one :class:`Column` per spreadsheet column, with the
model field, the Chinese header offices use (plus the other names they give it), the value type, and whether
the column must be present. Import reads a file through the spec; export writes one through the same spec,
so a file exported from taizhang imports back with no change.

Types say how a cell is read and written: :class:`Text`, :class:`Integer`, :class:`Money` (万元 in the
database, any unit in the file), :class:`Percent` (a ratio), :class:`Date`, :class:`Month`, :class:`Choice`,
:class:`YesNo`, and references to a unit or a person by name or code (:class:`UnitRef`, :class:`PersonRef`),
which the ledger's adapter resolves against what the importing user may see.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import trans_real

from taizhang.ledgers import values as v

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpResponseBase


@dataclass(frozen=True)
class ReadContext:
    """What a cell's meaning depends on besides the cell: the sheet's year and month, the money unit in force."""

    year: int | None = None
    month: int | None = None
    unit: str = v.WAN
    warn: Callable[[str], None] = dataclasses.field(default=lambda message: None)


class ColumnType:
    """How one kind of cell is read (``parse``) and written (``render``)."""

    kind = "text"
    width = 12.0  # default column width in characters, for export
    number_format: str | None = None
    numeric = False

    def parse(self, value: Any, ctx: ReadContext) -> Any:
        raise NotImplementedError

    def render(self, value: Any) -> Any:
        """The value as a spreadsheet cell: str, int, float, date, or None."""
        return None if value is None else str(value)

    def header_suffix(self) -> str:
        return ""

    def describe(self) -> str:
        return self.kind


class Text(ColumnType):
    def __init__(self, max_length: int | None = None, *, width: float = 16) -> None:
        self.max_length = max_length
        self.width = width

    def parse(self, value: Any, ctx: ReadContext) -> str:
        if v.is_blank(value):
            return ""
        text = v.as_written(value) if not isinstance(value, dt.date) else v.display(value)
        if v.is_unknown(text):
            return ""
        if text.startswith("'") and text[1:].startswith(v.FORMULA_START):
            text = text[1:]  # the guard an export puts before text that looks like a formula
        if self.max_length is not None and len(text) > self.max_length:
            raise v.ValueProblem(
                _("This text is %(length)s characters long; at most %(max)s fit.")
                % {"length": len(text), "max": self.max_length}
            )
        return text

    def render(self, value: Any) -> Any:
        return value or None


class Integer(ColumnType):
    kind = "integer"
    width = 8.0
    number_format = "0"
    numeric = True

    def parse(self, value: Any, ctx: ReadContext) -> int | None:
        return v.parse_integer(value)

    def render(self, value: Any) -> Any:
        return None if value is None else int(value)


class Money(ColumnType):
    """Money, stored in 万元. ``unit`` is the unit the column is written in on export ("亿元" for 总投资)."""

    kind = "money"
    width = 13.0
    numeric = True

    def __init__(self, unit: str = v.WAN) -> None:
        self.unit = unit
        self.number_format = "#,##0.00##" if unit != "元" else "#,##0.00"

    def parse(self, value: Any, ctx: ReadContext) -> Decimal | None:
        return v.parse_money(value, ctx.unit, ctx.warn)

    def render(self, value: Any) -> Any:
        if value is None:
            return None
        return float(v.from_wan(Decimal(value), self.unit))

    def header_suffix(self) -> str:
        return f"（{self.unit}）"

    def describe(self) -> str:
        return f"money ({self.unit} on export; any unit the header or a 单位 row states on import)"


class Percent(ColumnType):
    kind = "percent"
    width = 9.0
    number_format = "0.0%"
    numeric = True

    def parse(self, value: Any, ctx: ReadContext) -> Decimal | None:
        return v.parse_percent(value, ctx.warn)

    def render(self, value: Any) -> Any:
        return None if value is None else float(value)


class Date(ColumnType):
    kind = "date"
    width = 12.0
    number_format = "yyyy-mm-dd"

    def __init__(self, *, month_ok: bool = True) -> None:
        self.month_ok = month_ok

    def parse(self, value: Any, ctx: ReadContext) -> dt.date | None:
        return v.parse_date(value, year=ctx.year, month_ok=self.month_ok, warn=ctx.warn)

    def render(self, value: Any) -> Any:
        return value


class Month(ColumnType):
    kind = "month"
    width = 10.0
    number_format = 'yyyy"年"m"月"'

    def parse(self, value: Any, ctx: ReadContext) -> dt.date | None:
        return v.parse_month(value, year=ctx.year, warn=ctx.warn)

    def render(self, value: Any) -> Any:
        return value


class YesNo(ColumnType):
    kind = "bool"
    width = 8.0

    def parse(self, value: Any, ctx: ReadContext) -> bool | None:
        return v.parse_bool(value)

    def render(self, value: Any) -> Any:
        return None if value is None else ("是" if value else "否")


class Choice(ColumnType):
    """One of a set of values, written as its Chinese label; read from the code, any label, or an alias."""

    kind = "choice"

    def __init__(self, choices: Iterable[tuple[Any, Any]], *, aliases: dict[str, Any] | None = None) -> None:
        self.choices = list(choices)
        self.aliases = dict(aliases or {})
        self._lookup: dict[str, Any] | None = None
        self._labels: dict[Any, str] | None = None

    @property
    def width(self) -> float:  # type: ignore[override]
        return max([8.0, *(_text_width(_zh(label)) for _, label in self.choices)])

    def lookup(self) -> dict[str, Any]:
        if self._lookup is None:
            table: dict[str, Any] = {}
            for value, label in self.choices:
                for name in (value, _zh(label), _en(label)):
                    table.setdefault(v.squeeze(name), value)
            for alias, value in self.aliases.items():
                table.setdefault(v.squeeze(alias), value)
            self._lookup = table
        return self._lookup

    def parse(self, value: Any, ctx: ReadContext) -> Any:
        if v.is_unknown(value):
            return ""
        found = self.lookup().get(v.squeeze(value))
        if found is None:
            labels = "、".join(_zh(label) for _, label in self.choices[:12])
            raise v.ValueProblem(
                _("“%(value)s” is not one of: %(labels)s.") % {"value": v.display(value), "labels": labels}
            )
        return found

    def render(self, value: Any) -> Any:
        if self._labels is None:
            self._labels = {code: _zh(label) for code, label in self.choices}
        return self._labels.get(value, value or None)


class Reference(ColumnType):
    """A unit or a person named in the cell. Parsing keeps the text; the ledger's adapter resolves it."""

    kind = "reference"
    target = ""

    def __init__(self, *, width: float = 14) -> None:
        self.width = width

    def parse(self, value: Any, ctx: ReadContext) -> str:
        return "" if v.is_unknown(value) else v.clean_text(value)

    def render(self, value: Any) -> Any:
        if value is None:
            return None
        return getattr(value, "name", None) or str(value)


class UnitRef(Reference):
    """A unit by its full name, short name or code."""

    kind = "unit"
    target = "unit"


class PersonRef(Reference):
    """A person by name, or "name（title）" where two share a name."""

    kind = "person"
    target = "person"


class Ignore(ColumnType):
    """A column read and written by no one (序号): recognised so that it is not reported as unknown."""

    kind = "ignore"
    width = 6.0

    def parse(self, value: Any, ctx: ReadContext) -> None:
        return None


def _in_language(language: str, label: Any) -> str:
    """``label`` in ``language``, leaving the thread's translation state exactly as it was.

    ``translation.override`` would leave a language activated where none was (it restores the default
    language explicitly), which changes what later code in the same thread sees.
    """
    active = cast(Any, trans_real)._active  # the thread-local that activate() and deactivate() manage
    saved = getattr(active, "value", None)
    translation.activate(language)
    try:
        return str(label)
    finally:
        if saved is None:
            translation.deactivate()
        else:
            active.value = saved


def _zh(label: Any) -> str:
    return _in_language("zh-hans", label)


def _en(label: Any) -> str:
    return _in_language("en", label)


def _text_width(text: str) -> float:
    """Display width in Excel's character units: a Chinese character takes about two."""
    return sum(2.1 if ord(ch) > 0x2E80 else 1.1 for ch in text)


@dataclass(frozen=True)
class Column:
    """One spreadsheet column of a ledger.

    ``header`` may hold ``{year}`` and ``{month}`` ("1-{month}月完成投资"), filled with the period on export and
    ignored when matching on import. ``group`` is the upper header of a two-level header ("{year}年").
    ``source`` is the attribute path an export reads when it is not ``field`` (an annotation, say).
    """

    field: str
    header: str
    type: ColumnType = dataclasses.field(default_factory=Text)
    aliases: tuple[str, ...] = ()
    required: bool = False
    group: str = ""
    total: bool = False
    imported: bool = True
    exported: bool = True
    width: float | None = None
    source: str = ""
    help: str = ""
    # Computes the exported value from a record when a dotted ``source`` cannot (a figure of the period).
    getter: Callable[[Any], Any] | None = None

    def header_for(self, year: int | None = None, month: int | None = None, *, with_unit: bool = True) -> str:
        text = _format(self.header, year, month)
        return f"{text}{self.type.header_suffix()}" if with_unit else text

    def group_for(self, year: int | None = None, month: int | None = None) -> str:
        return _format(self.group, year, month)

    def match_names(self) -> set[str]:
        """The header words this column answers to, normalised as headers are on import."""
        names = {v.header_text(_format(self.header, 2000, 1)).base}
        names |= {v.header_text(_format(alias, 2000, 1)).base for alias in self.aliases}
        if self.group:
            names.add(v.header_text(_format(self.group + self.header, 2000, 1)).base)
        return {n for n in names if n}

    def export_width(self, sample: Iterable[Any] = ()) -> float:
        if self.width is not None:
            return self.width
        widest = max([self.type.width, *(_text_width(str(s)) for s in sample if s is not None)])
        return min(max(widest, _text_width(self.header_for(2000, 12)) / 1.6, 6.0), 48.0)

    def value_of(self, record: Any) -> Any:
        """The value an export writes: from ``getter``, else along ``source`` (or ``field``). A dict record (rows
        prepared by a script, say) holds the value under the field's name."""
        if isinstance(record, dict) and self.field in record:
            return record[self.field]
        if self.getter is not None:
            return self.getter(record)
        value: Any = record
        for part in (self.source or self.field).split("."):
            if value is None:
                return None
            value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        return value


def _format(template: str, year: int | None, month: int | None) -> str:
    if "{" not in template:
        return template
    return template.format(year=year if year is not None else "", month=month if month is not None else "")


# Headers any ledger may carry that hold nothing to import (a ledger that has such a column wins).
IGNORED_HEADERS = frozenset({"序号", "编号", "no", "no.", "序", "问题"})  # 问题: the column of an annotated copy


@dataclass(frozen=True)
class Sheet:
    """A ledger's spreadsheet: its columns, the field category heading rows set, and how exports look."""

    kind: str
    title: str  # export title, e.g. "单位名册"; the district name and the period are added
    columns: tuple[Column, ...]
    category: str | None = None  # field that "一、基础设施类（6个）" heading rows set for the rows below
    periodic: bool = False  # the sheet reports a period ("1-5月"): exports state it in the title
    numbered: bool = True  # exports start with a 序号 column, restarting in each category
    count_word: str = "个"  # "基础设施（6个）", "区发改委（5人）"
    export_category: str = ""  # the lookup path exports group by, when not ``category`` ("project__category")

    def imported_columns(self) -> list[Column]:
        return [c for c in self.columns if c.imported]

    def exported_columns(self) -> list[Column]:
        return [c for c in self.columns if c.exported]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.field == name)

    def required_columns(self) -> list[Column]:
        return [c for c in self.columns if c.required and c.imported]

    def header_index(self) -> dict[str, Column]:
        """Normalised header word → column, for matching a file's headers."""
        index: dict[str, Column] = {}
        for column in self.imported_columns():
            for name in column.match_names():
                index.setdefault(name, column)
        return index

    def ignored_names(self) -> set[str]:
        """Headers of columns that are exported but not imported (人数): known, so not reported as unknown."""
        return {name for c in self.columns if not c.imported for name in c.match_names()}

    def export_period(
        self, user: Any, queryset: QuerySet[Any], requested: tuple[int, int] | None, params: Any = None
    ) -> tuple[int, int] | None:
        """The period an export states (and, for ledgers with monthly figures, reports): the one asked for by
        default; ``params`` are the list's filters (a ledger may take the year from them)."""
        return requested

    def export_queryset(self, user: Any, queryset: QuerySet[Any], period: tuple[int, int] | None) -> QuerySet[Any]:
        """The rows to export, with whatever the columns read besides the model's fields (figures of the
        period, say) annotated or prefetched. The list's filtered queryset by default."""
        return queryset

    def export_totals(self, queryset: QuerySet[Any]) -> tuple[int, dict[str, Any]]:
        """(count, sum of each total column in 万元) of a group of the export queryset, when the database can
        tell without the export walking the rows twice. Sheets whose total columns are plain sums override it;
        by default the export counts and sums as it goes."""
        raise NotImplementedError

    def export_rows(self, queryset: QuerySet[Any]) -> Iterable[Sequence[Any]]:
        """The records of ``queryset`` (an ``export_queryset``, filtered to a group) as rows of the exported
        columns' values, in column order, as ``Column.value_of`` gives them: sheets of large ledgers read them
        as tuples from the database instead of building a model instance per record. Sheets that do not
        override it are exported record by record."""
        raise NotImplementedError

    def export_response(self, *, view: Any, queryset: QuerySet[Any], fmt: str) -> HttpResponseBase:
        """A list page's filtered rows as a download (``fmt``: "xlsx" or "csv"); called by core's ListPage."""
        from taizhang.ledgers.export import list_export_response

        return list_export_response(self, view=view, queryset=queryset, fmt=fmt)

    export_formats = ("xlsx", "csv")
