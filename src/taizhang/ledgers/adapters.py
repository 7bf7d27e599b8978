"""Adapters: how a ledger's spreadsheet rows become its records.

A ledger that imports declares, next to its column spec, a :class:`ModelAdapter`: the model, the natural keys
that say which existing record a row is (tried in order: "code, else name"), the selector that lists what the
importing user may see, the permissions the forms use, and the services that create and change a record. The
engine does the rest: references are resolved within the user's scope, each row is matched by its key, its
changes against the record are computed, the candidate is validated with the model's own rules
(``full_clean``) and the same permission rules as the forms, and the commit calls the services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, TypeVar, cast

from django.core.exceptions import ValidationError
from django.core.validators import (
    DecimalValidator,
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from django.db import models
from django.db.models.base import ModelState
from django.db.models.expressions import DatabaseDefault
from django.utils.translation import gettext as _

from taizhang.core.permissions import unit_id_of
from taizhang.ledgers import values as v
from taizhang.ledgers.columns import Column, Reference, Sheet
from taizhang.ledgers.parsing import Layout, ParsedRow, Problem


@dataclass(frozen=True)
class Deferred:
    """A unit name not found yet: a row above may still create it (resolved in row order by ``settle``)."""

    text: str
    header: str
    shown: str


@dataclass(frozen=True)
class Pending:
    """A reference to a record that a row above creates in the same import."""

    key: Hashable
    label: str

    def __str__(self) -> str:
        return self.label


class References:
    """Finds the units and people a sheet names, among those the importing user may use."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self._units: dict[str, list[Any]] | None = None
        self._people: dict[str, list[Any]] = {}

    def units(self) -> dict[str, list[Any]]:
        if self._units is None:
            from taizhang.org.selectors import unit_choices

            table: dict[str, list[Any]] = {}
            for unit in unit_choices(self.user):
                for name in {unit.name, unit.short_name, unit.code}:
                    if name:
                        table.setdefault(v.squeeze(name), []).append(unit)
            self._units = table
        return self._units

    def unit(self, text: str) -> Any:
        found = self.units().get(v.squeeze(text), [])
        if len(found) == 1:
            return found[0]
        if found:
            raise v.ValueProblem(
                _("“%(text)s” could be any of %(units)s; use the full name or the code.")
                % {"text": text, "units": "、".join(u.name for u in found)}
            )
        raise v.ValueProblem(
            _("There is no unit “%(text)s” among the units you may use (full name, short name or code).")
            % {"text": text}
        )

    def person(self, text: str, unit: Any = None) -> Any:
        """A person by name, or "name（title）"; within ``unit`` when the row names one."""
        from taizhang.org.selectors import person_list

        cleaned = v.clean_text(text)
        name, _sep, title = cleaned.partition("(")
        name, title = name.strip(), title.rstrip(")").strip()
        if name not in self._people:
            self._people[name] = list(person_list(self.user).filter(name=name))
        found = self._people[name]
        if title:
            found = [p for p in found if v.squeeze(p.title) == v.squeeze(title)]
        if len(found) > 1 and unit is not None and not isinstance(unit, Pending):
            found = [p for p in found if p.unit_id == unit.pk] or found
        if len(found) == 1:
            return found[0]
        if found:
            raise v.ValueProblem(
                _("%(count)s people are called “%(name)s”; write “%(name)s（title）” to say which.")
                % {"count": len(found), "name": name}
            )
        raise v.ValueProblem(_("There is no person “%(text)s” among the people you may see.") % {"text": text})


class ModelAdapter:
    """The bridge from parsed rows to one model's records and services. Subclasses declare; see org/columns.py."""

    sheet: ClassVar[Sheet]
    model: ClassVar[type[models.Model]]
    # Natural keys in order of preference; a row is matched by the first whose fields it fills.
    keys: ClassVar[tuple[tuple[str, ...], ...]]
    label: ClassVar[Any] = ""
    add_perm: ClassVar[str]
    change_perm: ClassVar[str]
    check_new_object: ClassVar[bool] = True  # also check change_perm on the record a new row would create
    provides_units: ClassVar[bool] = False  # rows of this ledger may name units created above them

    def __init__(self, user: Any, *, reason: str = "") -> None:
        self.user = user
        self.reason = reason  # "import #12: file.xlsx": what services that ask for a reason are given
        self.refs = References(user)
        self._existing: dict[Hashable, list[Any]] = {}
        self._pending: dict[str, Pending] = {}
        self.created: dict[Hashable, Any] = {}
        self.layout: Layout | None = None

    def start(self, layout: Layout) -> list[Problem]:
        """Called once with what the parser learned above the rows (period, unit); returns problems of the
        sheet as a whole (a ledger whose figures need a period the sheet does not state, say)."""
        self.layout = layout
        return []

    # --- declared by each ledger --------------------------------------------------------------------------

    @classmethod
    def can_import(cls, user: Any) -> bool:
        return bool(user.has_perm(cls.add_perm) or user.has_perm(cls.change_perm))

    def queryset(self) -> models.QuerySet[Any]:
        raise NotImplementedError

    def create(self, *, actor: Any, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def update(self, *, actor: Any, obj: Any, values: dict[str, Any], expected_version: int | None) -> Any:
        raise NotImplementedError

    # Ledgers whose files run to many thousands of rows may also write a whole chunk at once: ``write_bulk``
    # gets the chunk's rows to create or update (already checked) and must leave the ledger exactly as the
    # services would, history included (see ``ledgers/history.py``). Used above ``conf.bulk_above_rows()``.
    supports_bulk: ClassVar[bool] = False

    def write_bulk(self, *, actor: Any, plans: list[Any]) -> None:
        raise NotImplementedError

    # --- references ---------------------------------------------------------------------------------------

    def resolve(self, row: ParsedRow, header: Callable[[str], str]) -> dict[str, Any]:
        """The row's values with unit and person names replaced by the records; problems go on the row."""
        values = dict(row.values)
        for column in self.sheet.columns:
            if column.field not in values or not isinstance(column.type, Reference):
                continue
            text = values[column.field]
            if not text:
                values[column.field] = None
                continue
            shown = v.display(row.cells.get(column.field, text))
            try:
                values[column.field] = self.reference(column, text, values)
            except v.ValueProblem as problem:
                if self.provides_units and getattr(column.type, "target", "") == "unit":
                    values[column.field] = Deferred(text, header(column.field), shown)
                    continue
                row.problems.append(Problem(row.number, header(column.field), shown, problem.message))
                del values[column.field]
        return values

    def settle(self, row: ParsedRow, values: dict[str, Any]) -> dict[str, Any]:
        """Resolve, in row order, the unit names that rows above may have created."""
        settled = dict(values)
        for name, value in values.items():
            if not isinstance(value, Deferred):
                continue
            pending = self._pending.get(v.squeeze(value.text))
            if pending is not None:
                settled[name] = pending
                continue
            try:
                self.refs.unit(value.text)
            except v.ValueProblem as problem:
                row.problems.append(Problem(row.number, value.header, value.shown, problem.message))
            del settled[name]
        return settled

    def reference(self, column: Column, text: str, values: dict[str, Any]) -> Any:
        target = getattr(column.type, "target", "")
        if target == "unit":
            return self.refs.unit(text)
        unit = next((val for val in values.values() if isinstance(val, models.Model) and _is_unit(val)), None)
        return self.refs.person(text, unit)

    # --- keys and existing records ------------------------------------------------------------------------

    def key(self, values: dict[str, Any]) -> Hashable | None:
        for fields in self.keys:
            parts = [values.get(f) for f in fields]
            if all(p not in (None, "") for p in parts):
                return (fields, tuple(_key_part(p) for p in parts))
        return None

    def prefetch(self, keys: list[Hashable]) -> None:
        """Load the existing records for a chunk's keys with one query per key kind."""
        self._existing = {}
        by_fields: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for key in keys:
            if key is not None:
                fields, parts = cast(tuple[tuple[str, ...], tuple[Any, ...]], key)
                by_fields.setdefault(fields, []).append(parts)
        for fields, wanted in by_fields.items():
            qs = self.queryset()
            for i, name in enumerate(fields):
                qs = qs.filter(**{f"{_lookup_name(self.model, name)}__in": {parts[i] for parts in wanted}})
            for obj in qs:
                parts = tuple(_key_part(getattr(obj, _lookup_name(self.model, f))) for f in fields)
                self._existing.setdefault((fields, parts), []).append(obj)

    def existing(self, key: Hashable) -> Any:
        found = self._existing.get(key, [])
        if len(found) > 1:
            raise v.ValueProblem(
                _("%(count)s existing records match this row; correct them by hand first.") % {"count": len(found)}
            )
        return found[0] if found else None

    def plan_created(self, key: Hashable, values: dict[str, Any]) -> None:
        """A row above creates this record: rows below may refer to it (units naming their parent)."""
        if not self.provides_units:
            return
        label = str(values.get("name") or "")
        for field_name in ("name", "short_name", "code"):
            if text := values.get(field_name):
                self._pending.setdefault(v.squeeze(text), Pending(key=key, label=label))

    # --- values, changes, validation ----------------------------------------------------------------------

    def model_values(self, values: dict[str, Any], obj: Any) -> dict[str, Any]:
        """What the row writes. A blank cell of a field that cannot be empty keeps the record's value when
        the record exists, and the field's default when the row creates one."""
        result = {}
        for name, value in values.items():
            field = cast(models.Field, self.model._meta.get_field(name))
            if value is None and not field.null:
                if obj is not None:
                    continue
                result[name] = field.get_default() if field.has_default() else None
            else:
                result[name] = value
        return result

    def changes(self, obj: Any, values: dict[str, Any]) -> list[str]:
        changed = []
        for name, value in values.items():
            field = self.model._meta.get_field(name)
            if isinstance(field, models.ForeignKey):
                current = getattr(obj, field.attname)
                if isinstance(value, Pending) or current != (value.pk if value is not None else None):
                    changed.append(name)
            elif not _same(getattr(obj, name), value):
                changed.append(name)
        return changed

    def validate(
        self, values: dict[str, Any], obj: Any, *, exclude: list[str] | None = None, permissions: bool = True
    ) -> list[tuple[str, ...]]:
        """Model validation and permissions, as the service will apply them: [(field or "", message)], or
        (field, message, severity) for a warning.

        ``exclude`` names fields the row could not give (their problem is already reported)."""
        candidate = copy_record(obj) if obj is not None else self.model()
        pending = [name for name, value in values.items() if isinstance(value, Pending)]
        for name, value in values.items():
            setattr(candidate, name, None if isinstance(value, Pending) else value)
        problems: list[tuple[str, ...]] = []
        try:
            candidate.full_clean(exclude=[*pending, *(exclude or [])] or None)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                problems += [("" if name == "__all__" else name, m) for m in messages]
        if not permissions:
            return problems
        if obj is None:
            allowed = self.user.has_perm(self.add_perm) and (
                not self.check_new_object or self.user.has_perm(self.change_perm, candidate)
            )
            if not allowed:
                problems.append(("", self.refusal(candidate, _("You may not add this record"))))
        elif not (self.user.has_perm(self.change_perm, obj) and self.user.has_perm(self.change_perm, candidate)):
            problems.append(("", self.refusal(candidate, _("You may not change this record"))))
        return problems

    def refusal(self, candidate: Any, text: str) -> str:
        unit_id = unit_id_of(candidate)
        if unit_id is None:
            return f"{text}."
        unit_name = next((u.name for us in self.refs.units().values() for u in us if u.pk == unit_id), "")
        return _("%(text)s (for %(unit)s).") % {"text": text, "unit": unit_name} if unit_name else f"{text}."

    def current(self, obj: Any, name: str) -> Any:
        """The record's value for ``name``, as the preview shows it beside the new one."""
        return getattr(obj, name, None)

    def field_label(self, name: str) -> str:
        """A name for ``name`` when it is not a column of the file (a problem about a field the row implies)."""
        try:
            return str(cast(Any, self.model._meta.get_field(name)).verbose_name)
        except Exception:
            return name

    def describe(self, values: dict[str, Any], obj: Any) -> str:
        return str(values.get("name") or (obj if obj is not None else ""))[:200]

    def materialise(self, values: dict[str, Any]) -> dict[str, Any]:
        """Replace references to records created earlier in the commit by those records."""
        return {
            name: self.created[value.key] if isinstance(value, Pending) else value for name, value in values.items()
        }


M = TypeVar("M", bound=models.Model)


def copy_record(record: M) -> M:
    """``copy.copy`` of a model instance — its fields, its state and its cache of related records copied, as
    the instance's ``__getstate__`` copies them — without the pickling protocol's detour (an import copies a
    blank or existing record once per row to check the row's values on it)."""
    clone = object.__new__(type(record))
    clone.__dict__.update(record.__dict__)
    state = ModelState()
    state.db, state.adding = record._state.db, record._state.adding
    state.fields_cache = dict(record._state.fields_cache)
    clone._state = state
    return clone


class FieldCheck:
    """``Model.clean_fields`` for the many candidates of one model an import checks: the same fields in the same
    order, the same ``Field.clean`` (conversion, validation, validators) and the same errors, except that each
    distinct value of a plain field (not a relation, whose check may ask the database) is cleaned once and its
    outcome remembered, as a field's cleaning depends on its value alone. ``exclude`` names fields never
    checked (those the ledger does not import)."""

    REMEMBERED = 50_000  # values remembered at most (then forgotten all at once): memory stays bounded

    def __init__(self, model: type[models.Model], exclude: Iterable[str] = ()) -> None:
        skip = set(exclude)
        self.fields = [f for f in model._meta.fields if f.name not in skip and not f.generated]
        self._seen: dict[Hashable, tuple[Any, list[ValidationError] | None]] = {}
        self._text_limits = {f.name: limit for f in self.fields if (limit := _plain_text_limit(f)) is not None}
        self._amounts = {f.name: bounds for f in self.fields if (bounds := _plain_decimal_bounds(f)) is not None}

    def errors(self, instance: models.Model, exclude: Collection[str] = ()) -> dict[str, list[ValidationError]]:
        """Clean ``instance``'s fields as ``clean_fields(exclude)`` does (cleaned values set on it); returns
        the errors by field name, as the ``ValidationError`` that ``clean_fields`` raises holds them."""
        errors: dict[str, list[ValidationError]] = {}
        for f in self.fields:
            if f.name in exclude:
                continue
            raw = getattr(instance, f.attname)
            if (f.blank and raw in f.empty_values) or isinstance(raw, DatabaseDefault):
                continue
            if self._passes(f.name, raw):
                continue  # a value no check of the field can refuse: it cleans to itself (names, codes, amounts)
            cleaned, problems = self._clean(f, raw, instance)
            if problems is None:
                setattr(instance, f.attname, cleaned)
            else:
                errors[f.name] = list(problems)  # callers may extend the list they get
        return errors

    def _passes(self, name: str, raw: Any) -> bool:
        """Whether ``raw`` is, beyond doubt, a value the field's ``clean`` returns unchanged without an error:
        text within the field's length with no NUL character, or a decimal with no more places than the
        field's, fewer whole digits than it allows and within its minimum and maximum."""
        kind = type(raw)
        if kind is str:
            limit = self._text_limits.get(name)
            return limit is not None and bool(raw) and len(raw) <= limit and "\x00" not in raw
        if kind is Decimal and name in self._amounts:
            places, below, low, high = self._amounts[name]
            exponent = raw.as_tuple().exponent
            return (
                isinstance(exponent, int)  # not NaN or infinity
                and -places <= exponent <= 0
                and -below < raw < below
                and (low is None or raw >= low)
                and (high is None or raw <= high)
            )
        return False

    def _clean(self, f: Any, raw: Any, instance: models.Model) -> tuple[Any, list[ValidationError] | None]:
        """``f.clean(raw)``: the cleaned value, or the errors; remembered for a plain field's hashable value."""
        key: Hashable = None
        if not f.is_relation:
            # Equal decimals may differ in their exponent (1.0, 1.00), which the cleaned value keeps.
            key = (f.attname, type(raw), raw, str(raw) if type(raw) is Decimal else None)
            try:
                found = self._seen.get(key)
            except TypeError:  # an unhashable value: cleaned every time
                key, found = None, None
            if found is not None:
                return found
        try:
            outcome: tuple[Any, list[ValidationError] | None] = (f.clean(raw, instance), None)
        except ValidationError as error:
            outcome = (None, error.error_list)
        if key is not None:
            if len(self._seen) >= self.REMEMBERED:
                self._seen.clear()
            self._seen[key] = outcome
        return outcome


def _plain_clean(field: models.Field, *python: Any) -> bool:
    """Whether ``field`` converts and validates as Django's own ``Field`` does, with ``to_python`` one of
    ``python`` (no subclass changes how a value is cleaned)."""
    kind = type(field)
    own = (models.Field.clean, models.Field.validate, models.Field.run_validators)
    return (kind.clean, kind.validate, kind.run_validators) == own and kind.to_python in python


def _plain_decimal_bounds(field: models.Field) -> tuple[int, Decimal, Decimal | None, Decimal | None] | None:
    """For a decimal field whose ``clean`` of a finite ``Decimal`` can only fail its digits, places, minimum or
    maximum (no choices, no other validator), those bounds: (places, the bound below which the whole digits
    fit, minimum, maximum); None for any other field."""
    if not isinstance(field, models.DecimalField) or field.choices or not field.editable:
        return None
    if not _plain_clean(field, models.DecimalField.to_python) or field.decimal_places is None:
        return None
    if field.max_digits is None:
        return None
    low: Decimal | None = None
    high: Decimal | None = None
    for validator in field.validators:
        limit = getattr(validator, "limit_value", None)
        if type(validator) is DecimalValidator:
            if (validator.max_digits, validator.decimal_places) != (field.max_digits, field.decimal_places):
                return None
        elif type(validator) is MinValueValidator and isinstance(limit, int | Decimal):
            low = Decimal(limit) if low is None else max(low, Decimal(limit))
        elif type(validator) is MaxValueValidator and isinstance(limit, int | Decimal):
            high = Decimal(limit) if high is None else min(high, Decimal(limit))
        else:
            return None
    return field.decimal_places, Decimal(10) ** (field.max_digits - field.decimal_places), low, high


def _plain_text_limit(field: models.Field) -> float | None:
    """For a text field whose ``clean`` of a non-empty ``str`` can only fail its maximum length or a NUL
    character (no choices, no other validator, Django's own conversion and validation), that maximum (infinity
    when there is none); None for any other field."""
    if not isinstance(field, models.CharField | models.TextField) or field.choices or not field.editable:
        return None
    if not _plain_clean(field, models.CharField.to_python, models.TextField.to_python):
        return None
    limit = float("inf")
    for validator in field.validators:
        if type(validator) is MaxLengthValidator and isinstance(validator.limit_value, int):
            limit = min(limit, validator.limit_value)
        elif type(validator) is not ProhibitNullCharactersValidator:
            return None
    return limit


def _is_unit(obj: models.Model) -> bool:
    return obj._meta.label == "org.Unit"


def _lookup_name(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    return field.attname if isinstance(field, models.ForeignKey) else name


def _key_part(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Pending):
        return ("pending", value.key)
    if isinstance(value, str):
        return value.strip()
    return value


def _same(current: Any, new: Any) -> bool:
    if isinstance(current, Decimal) or isinstance(new, Decimal):
        return (current is not None and new is not None and Decimal(current) == Decimal(new)) or current == new
    if isinstance(current, dt.datetime) and isinstance(new, dt.date) and not isinstance(new, dt.datetime):
        return current.date() == new
    return bool(current == new)
