"""The issue ledger (问题台账/整改台账) in spreadsheets: the columns offices use, and how a row becomes an issue.

Natural key: 问题编号 (the ledger's number, which exports carry); a row without one is the live issue with the
same 问题描述 and 具体位置 found on the same day (发现时间), or — when the row leaves one of them empty — the same
description and the one it gives. A row naming a number the ledger does not have is an error: numbers are
given by the ledger, never by a file.

A new row registers an issue through ``services.issue_register``, exactly as the office's full form does: the
category's time limit unless 整改时限 says otherwise ("立即整改" = close of today's workday, "3个工作日" = three
workdays from now, "5天" = five days from now, a date = that date; a limit already past, as in a ledger of last
week's check, makes the issue due by the close of the next workday ahead, with a warning), the responsible unit
as the file states it (the import is the reason for overriding the routing rules), issues from sources that
dispatch automatically dispatched at once. An existing issue's details change through
``services.issue_update`` (description, category, location, date found). What only the workflow may change is
not imported: the responsible unit (reassign, 改派), the deadline (extension, 延期), the state (整改情况,
是否销号: closing takes an after photo and a check by someone other than the rectifier); a row that states
otherwise gets a warning saying so. Importing an issue ledger is the supervision office's work (the right to
route issues and set their deadlines).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Hashable
from typing import Any, cast

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from taizhang.core import clock, workdays
from taizhang.issues import selectors, services
from taizhang.issues.choices import Status
from taizhang.issues.models import Issue
from taizhang.ledgers import values as v
from taizhang.ledgers.adapters import ModelAdapter
from taizhang.ledgers.columns import (
    Choice,
    Column,
    ColumnType,
    Date,
    PersonRef,
    ReadContext,
    Reference,
    Sheet,
    Text,
    UnitRef,
    YesNo,
)
from taizhang.ledgers.parsing import WARNING, ParsedRow, Problem
from taizhang.ledgers.registry import LedgerKind, register


class TimeLimit(ColumnType):
    """整改时限: "立即整改", "3个工作日", "5天", or a date; read as (kind, amount)."""

    kind = "time limit"
    width = 12.0
    number_format = "yyyy-mm-dd"

    def parse(self, value: Any, ctx: ReadContext) -> Any:
        if v.is_unknown(value):
            return None
        if isinstance(value, str):
            text = v.squeeze(value)
            if text in {"立即整改", "立即", "立行立改", "即知即改", "马上整改"}:
                return ("immediate", 0)
            if match := re.fullmatch(r"(\d+)个?工作日(?:内)?(?:整改|完成)?", text):
                return ("workdays", int(match.group(1)))
            if match := re.fullmatch(r"(\d+)(?:天|日)(?:内)?(?:整改|完成)?", text):
                return ("days", int(match.group(1)))
        day = v.parse_date(value, year=ctx.year, month_ok=False, warn=ctx.warn)
        return None if day is None else ("date", day)

    def render(self, value: Any) -> Any:
        if value is None:
            return None
        kind, amount = value
        if kind == "immediate":
            return "立即整改"
        if kind == "workdays":
            return f"{amount}个工作日"
        if kind == "days":
            return f"{amount}天"
        return amount


class CategoryRef(Reference):
    """An issue category by name, full name ("市容环境 / 乱堆乱放") or code."""

    kind = "issue category"
    target = "issue_category"


class SourceRef(Reference):
    """Where issues come from (问题来源) by name or code."""

    kind = "issue source"
    target = "issue_source"


STATUS_LABELS = [
    (Status.REGISTERED.value, "待派遣"),
    (Status.DISPATCHED.value, "已派遣"),
    (Status.ACKNOWLEDGED.value, "已签收"),
    (Status.RECTIFYING.value, "整改中"),
    (Status.CLOSURE_REQUESTED.value, "申请销号"),
    (Status.CLOSED.value, "已销号"),
    (Status.SHELVED.value, "挂账"),
]


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(moment).date() if moment is not None else None


def _description(issue: Issue) -> str:
    return issue.description or issue.title


def _deadline(issue: Issue) -> Any:
    day = _local_date(issue.deadline)
    return ("date", day) if day is not None else None


ISSUES = Sheet(
    kind="issues",
    title="问题整改台账",
    category="category",
    columns=(
        Column("number", "问题编号", aliases=("案件编号", "问题单号", "台账编号"), type=Text(16, width=13)),
        Column("source", "问题来源", aliases=("来源", "信息来源", "发现途径"), type=SourceRef(width=10)),
        Column("category", "问题类别", aliases=("类别", "问题类型", "问题分类"), type=CategoryRef(width=10)),
        Column(
            "description",
            "问题描述",
            aliases=("存在问题", "问题内容", "具体问题", "问题情况"),
            required=True,
            type=Text(4000, width=28),
            getter=_description,
        ),
        Column(
            "address", "具体位置", aliases=("位置", "地点", "问题位置", "地址", "问题地点"), type=Text(200, width=22)
        ),
        Column(
            "found_on",
            "发现时间",
            aliases=("发现日期", "检查时间", "检查日期", "发现时间(日期)"),
            type=Date(month_ok=False),
            getter=lambda issue: _local_date(issue.found_at),
        ),
        Column(
            "responsible_unit",
            "责任单位",
            aliases=("整改单位", "责任部门", "整改责任单位"),
            required=True,
            type=UnitRef(),
        ),
        Column("chief", "责任人", aliases=("整改责任人", "负责人员"), type=PersonRef(width=10)),
        Column(
            "deadline", "整改时限", aliases=("整改期限", "完成时限", "办结时限"), type=TimeLimit(), getter=_deadline
        ),
        Column("measures", "整改措施", type=Text(width=24), imported=False),
        Column(
            "status",
            "整改情况",
            aliases=("整改进展", "办理状态", "状态", "办理情况"),
            type=Choice(STATUS_LABELS),
            imported=False,
        ),
        Column(
            "closed_on",
            "完成时间",
            aliases=("整改完成时间", "销号时间", "办结时间"),
            type=Date(month_ok=False),
            imported=False,
            getter=lambda issue: _local_date(issue.closed_at),
        ),
        Column(
            "closed",
            "是否销号",
            aliases=("销号", "是否办结"),
            type=YesNo(),
            getter=lambda issue: issue.status == Status.CLOSED,
        ),
    ),
)

UPDATABLE = ("description", "category", "address", "found_on")
WORKFLOW_ONLY = ("source", "responsible_unit", "chief", "deadline", "closed")
KEYS = (("number",), ("description", "address", "found_on"), ("description", "address"), ("description", "found_on"))


class IssueAdapter(ModelAdapter):
    """Rows of an issue ledger → issues, registered and corrected through the issue services."""

    sheet = ISSUES
    model = Issue
    keys = KEYS
    label = gettext_lazy("Issues")
    add_perm = "issues.route_issue"
    change_perm = "issues.change_issue"
    check_new_object = False  # a new issue's unit is the file's; the route permission covers choosing it

    def __init__(self, user: Any, *, reason: str = "") -> None:
        super().__init__(user, reason=reason or _("import"))
        self._categories: dict[str, list[Any]] | None = None
        self._sources: dict[str, list[Any]] | None = None

    @classmethod
    def can_import(cls, user: Any) -> bool:
        return bool(user.has_perm("issues.add_issue") and user.has_perm("issues.route_issue"))

    def queryset(self) -> QuerySet[Issue]:
        return selectors.issue_list(self.user)

    def field_label(self, name: str) -> str:
        column = next((c for c in self.sheet.columns if c.field == name), None)
        return column.header_for(with_unit=False) if column is not None else super().field_label(name)

    # --- references ---------------------------------------------------------------------------------------

    def reference(self, column: Column, text: str, values: dict[str, Any]) -> Any:
        target = getattr(column.type, "target", "")
        if target == "issue_category":
            return self._pick(self._category_table(), text, _("category"))
        if target == "issue_source":
            return self._pick(self._source_table(), text, _("source"))
        return super().reference(column, text, values)

    def _category_table(self) -> dict[str, list[Any]]:
        if self._categories is None:
            table: dict[str, list[Any]] = {}
            for category in selectors.category_choices(self.user):
                for name in {category.name, category.code, category.full_name}:
                    table.setdefault(v.squeeze(name), []).append(category)
            self._categories = table
        return self._categories

    def _source_table(self) -> dict[str, list[Any]]:
        if self._sources is None:
            table: dict[str, list[Any]] = {}
            for source in selectors.source_choices(self.user):
                for name in {source.name, source.code}:
                    table.setdefault(v.squeeze(name), []).append(source)
            self._sources = table
        return self._sources

    @staticmethod
    def _pick(table: dict[str, list[Any]], text: str, what: str) -> Any:
        found = list(dict.fromkeys(table.get(v.squeeze(text), [])))
        if len(found) == 1:
            return found[0]
        if found:
            raise v.ValueProblem(
                _("“%(text)s” could be any of %(names)s; use the full name or the code.")
                % {"text": text, "names": "、".join(str(f) for f in found)}
            )
        names = "、".join(sorted({str(f) for fs in table.values() for f in fs}))
        raise v.ValueProblem(
            _("There is no %(what)s “%(text)s”. In use: %(names)s.") % {"what": what, "text": text, "names": names}
        )

    # --- keys ---------------------------------------------------------------------------------------------

    def key(self, values: dict[str, Any]) -> Hashable | None:
        for fields in self.keys:
            parts = [values.get(f) for f in fields]
            if all(p not in (None, "") for p in parts):
                return (fields, tuple(p.strip() if isinstance(p, str) else p for p in parts))
        return None

    def prefetch(self, keys: list[Hashable]) -> None:
        """The chunk's issues by number, and by description (then told apart by location and day found)."""
        self._existing = {}
        numbers: set[str] = set()
        descriptions: set[str] = set()
        for key in keys:
            fields, parts = cast(tuple[tuple[str, ...], tuple[Any, ...]], key)
            (numbers if fields == ("number",) else descriptions).add(parts[0])
        by_number = {i.number: i for i in self.queryset().filter(number__in=numbers)} if numbers else {}
        by_description: dict[str, list[Issue]] = {}
        if descriptions:
            for issue in self.queryset().filter(
                models.Q(description__in=descriptions) | models.Q(title__in=descriptions)
            ):
                by_description.setdefault(_description(issue).strip(), []).append(issue)
        for key in keys:
            fields, parts = cast(tuple[tuple[str, ...], tuple[Any, ...]], key)
            if fields == ("number",):
                found = by_number.get(parts[0])
                self._existing[key] = [found] if found is not None else []
                continue
            wanted = dict(zip(fields, parts, strict=True))
            self._existing[key] = [
                issue
                for issue in by_description.get(wanted["description"], [])
                if ("address" not in wanted or issue.address.strip() == wanted["address"])
                and ("found_on" not in wanted or _local_date(issue.found_at) == wanted["found_on"])
            ]

    def settle(self, row: ParsedRow, values: dict[str, Any]) -> dict[str, Any]:
        """Besides resolving: a number the ledger does not have is an error; on an existing issue, what only
        its workflow may change is reported (a warning) and left as it is."""
        values = super().settle(row, values)
        key = self.key(values)
        found = self._existing.get(key, []) if key is not None else []
        if key is not None and cast(tuple[Any, ...], key)[0] == ("number",) and not found:
            row.problems.append(
                Problem(
                    row.number,
                    self.field_label("number"),
                    values["number"],
                    _("No issue has this number. Numbers are given by the ledger: leave it empty for a new issue."),
                )
            )
        if len(found) == 1:
            issue = found[0]
            for name in WORKFLOW_ONLY:
                value = values.get(name)
                if value is not None and not _same(self.current(issue, name), value):
                    shown = v.display(row.cells.get(name))
                    row.problems.append(
                        Problem(row.number, self._header(name), shown, _workflow_message(name), WARNING)
                    )
        return values

    def _header(self, name: str) -> str:
        return self.layout.header_of(name) if self.layout is not None else self.field_label(name)

    # --- values, changes, checks --------------------------------------------------------------------------

    def model_values(self, values: dict[str, Any], obj: Any) -> dict[str, Any]:
        result = {k: val for k, val in values.items() if k != "number"}
        if obj is not None:
            for name in ("category", "source", "responsible_unit", "deadline", "closed"):
                if result.get(name) is None:
                    result.pop(name, None)  # a blank cell keeps what the issue has
        return result

    def current(self, obj: Any, name: str) -> Any:
        if name == "description":
            return _description(obj)
        if name == "found_on":
            return _local_date(obj.found_at)
        if name == "deadline":
            return _deadline(obj)
        if name == "closed":
            return obj.status == Status.CLOSED
        return getattr(obj, name, None)

    def changes(self, obj: Any, values: dict[str, Any]) -> list[str]:
        return [name for name in UPDATABLE if name in values and not _same(self.current(obj, name), values[name])]

    def validate(
        self, values: dict[str, Any], obj: Any, *, exclude: list[str] | None = None, permissions: bool = True
    ) -> list[tuple[str, ...]]:
        """The registration's checks for a new issue (category and source in use, a deadline after now, a
        day found not in the future, the 责任人 of the responsible unit); warnings for what only the workflow
        may change on an existing one; the permissions of the office's form."""
        problems: list[tuple[str, ...]] = []
        skip = set(exclude or [])
        if obj is None:
            for name in ("category", "source"):
                if values.get(name) is None and name not in skip:
                    problems.append((name, _("A new issue needs this.")))
            deadline = values.get("deadline")
            if deadline is not None and "deadline" not in skip and deadline_of(deadline) != due_moment(deadline):
                problems.append(
                    (
                        "deadline",
                        _("This time limit has already passed: the issue is registered due by %(due)s.")
                        % {"due": timezone.localtime(deadline_of(deadline)).strftime("%Y-%m-%d %H:%M")},
                        WARNING,
                    )
                )
            chief, unit = values.get("chief"), values.get("responsible_unit")
            if (
                isinstance(chief, models.Model)
                and isinstance(unit, models.Model)
                and getattr(chief, "unit_id", None) != unit.pk
            ):
                problems.append(("chief", _("%(chief)s does not belong to %(unit)s.") % {"chief": chief, "unit": unit}))
            if values.get("closed"):
                problems.append(
                    (
                        "closed",
                        _(
                            "The issue is registered open: closing it takes its after photo and a check by someone "
                            "other than the rectifier."
                        ),
                        WARNING,
                    )
                )
        found_on = values.get("found_on")
        if found_on is not None and found_on > timezone.localtime(clock.now()).date():
            problems.append(("found_on", _("An issue cannot be found after it is registered.")))
        if permissions:
            if obj is None:
                allowed = self.user.has_perm("issues.add_issue") and self.user.has_perm("issues.route_issue")
            else:
                allowed = self.user.has_perm(self.change_perm, obj)
            if not allowed:
                text = _("You may not add this record") if obj is None else _("You may not change this record")
                problems.append(("", self.refusal(obj, text) if obj is not None else f"{text}."))
        return problems

    def describe(self, values: dict[str, Any], obj: Any) -> str:
        if obj is not None:
            return f"{obj.number} {values.get('description') or _description(obj)}"[:200]
        return str(values.get("description") or "")[:200]

    # --- writing ------------------------------------------------------------------------------------------

    def create(self, *, actor: Any, values: dict[str, Any]) -> Issue:
        found_on = values.get("found_on")
        return services.issue_register(
            actor=actor,
            category=values["category"],
            source=values["source"],
            description=values.get("description", ""),
            address=values.get("address", ""),
            found_at=_start_of(found_on) if found_on else None,
            deadline=deadline_of(values["deadline"]) if values.get("deadline") is not None else None,
            responsible_unit=values["responsible_unit"],
            chief=values.get("chief"),
            override_reason=self.reason[:200],
        )

    def update(self, *, actor: Any, obj: Any, values: dict[str, Any], expected_version: int | None) -> Issue:
        changes: dict[str, Any] = {}
        for name in UPDATABLE:
            if name not in values:
                continue
            if name == "found_on":
                changes["found_at"] = _start_of(values[name]) if values[name] else None
            else:
                changes[name] = values[name]
        return services.issue_update(actor=actor, issue=obj, values=changes, expected_version=expected_version)


def due_moment(limit: tuple[str, Any]) -> dt.datetime:
    """The moment a 整改时限 falls due, counted from now (the registration): workdays on the statutory calendar."""
    kind, amount = limit
    calendar = workdays.calendar()
    today = timezone.localtime(clock.now()).date()
    if kind == "immediate":
        return calendar.close_of(calendar.next_workday(today))
    if kind == "workdays":
        return calendar.close_of(calendar.add_workdays(today, int(amount)))
    if kind == "days":
        return calendar.close_of(today + dt.timedelta(days=int(amount)))
    return calendar.close_of(cast(dt.date, amount))


def deadline_of(limit: tuple[str, Any]) -> dt.datetime:
    """The deadline an issue is registered with: :func:`due_moment`, or — when that has already passed, as in
    a ledger of last week's check — the close of the first workday still ahead (the issue is due at once)."""
    due = due_moment(limit)
    now = clock.now()
    if due > now:
        return due
    calendar = workdays.calendar()
    day = calendar.next_workday(timezone.localtime(now).date())
    while calendar.close_of(day) <= now:
        day = calendar.add_workdays(day, 1)
    return calendar.close_of(day)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def _same(current: Any, new: Any) -> bool:
    if isinstance(current, models.Model) or isinstance(new, models.Model):
        return getattr(current, "pk", current) == getattr(new, "pk", new)
    if isinstance(new, tuple) and isinstance(current, tuple) and new[0] != "date":
        return True  # "3个工作日" against a date: a time limit is only compared once it is a date
    if isinstance(current, str) or isinstance(new, str):
        return (current or "").strip() == (new or "").strip()
    return bool(current == new)


def _workflow_message(name: str) -> str:
    messages = {
        "source": _("The source of a registered issue does not change: not imported."),
        "responsible_unit": _("Another unit takes an issue by reassignment (改派) on its page: not imported."),
        "chief": _("The chief changes with the unit, by reassignment on the issue's page: not imported."),
        "deadline": _("The deadline changes by an extension (延期) on the issue's page: not imported."),
        "closed": _("An issue closes after its rectification is verified, on its page: not imported."),
    }
    return messages[name]


register(
    LedgerKind(
        "issues",
        gettext_lazy("Issues"),
        ISSUES,
        IssueAdapter,
        list_view="taizhang.issues.views.IssueList",
        selector=selectors.issue_list,
        filterset="taizhang.issues.filtersets.IssueFilterSet",
        default_sort="-registered_at",
    )
)
