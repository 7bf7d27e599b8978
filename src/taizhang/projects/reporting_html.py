"""The reporting page's rows as HTML, built in Python.

A unit of a city can have 342 key projects on one screen. Through the template engine each row costs about
0.45 ms (some forty variable lookups, a dozen translations, three URL reversals); built here, with the labels
translated and the URLs reversed once per page, it costs a small fraction of that. The markup is the same
for the whole page and for the single row a save answers with (``ReportingRowView``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from taizhang.projects.choices import Light, ReportStatus
from taizhang.projects.templatetags.projects_format import DASH, rate, wan

_KEY = 987654321  # stands for a primary key in a reversed URL, replaced per row


def _url(name: str) -> str:
    return reverse(name, args=[_KEY]).replace(str(_KEY), "{}")


@dataclass(frozen=True)
class RowRenderer:
    """Renders reporting rows (``views.RowState``) with the labels and URLs of the current request."""

    labels: dict[str, str]
    urls: dict[str, str]
    statuses: dict[str, str]
    lights: dict[str, str]

    @classmethod
    def for_request(cls) -> RowRenderer:
        return cls(
            labels={
                key: escape(text)
                for key, text in {
                    "planned": _("planned this year"),
                    "previous": _("last month, year to date"),
                    "ytd": _("Completed this year to date (万元)"),
                    "this_month": _("this month"),
                    "rate": _("rate"),
                    "reason": _("Reason for the correction"),
                    "progress": _("Physical progress"),
                    "problems": _("Problems (one per line)"),
                    "not_started": _("Not started"),
                    "returned": _("Returned"),
                    "save": _("Save"),
                    "submit": _("Submit"),
                }.items()
            },
            urls={
                "project": _url("projects:project_detail"),
                "report": _url("projects:monthlyreport_detail"),
                "row": _url("projects:reporting_row"),
            },
            statuses={str(value): str(label) for value, label in ReportStatus.choices},
            lights={str(value): str(label) for value, label in Light.choices},
        )

    def __call__(self, r: Any) -> SafeString:
        plan, report, t = r.plan, r.report, self.labels
        errors = r.errors
        css = " tz-row-error" if errors else " tz-row-saved" if r.notice else ""
        out = [
            f'<tr id="row-{plan.pk}" data-testid="row" data-plan="{plan.pk}" '
            f'data-code="{escape(plan.project.code)}" data-status="{report.status if report else "none"}" '
            f'class="tz-row{css}">',
            '<td class="tz-col-project">',
            f'<a href="{self.urls["project"].format(plan.project_id)}?year={plan.year}" class="fw-bold">'
            f"{escape(plan.project.name)}</a>",
            f'<div class="small text-secondary font-monospace">{escape(plan.project.code)}</div>',
            f'<div class="small text-secondary">{t["planned"]} <span class="font-monospace">'
            f"{wan(plan.planned_investment)}</span></div>",
            f'<div class="small text-secondary">{t["previous"]} <span class="font-monospace" data-testid="previous">'
            f"{wan(r.row.previous_ytd)}</span></div>",
            f'<input type="hidden" name="month" value="{r.month}">'
            f'<input type="hidden" name="expected_version" value="{r.version}">',
            "</td>",
        ]
        if r.editable:
            self._inputs(r, out)
        else:
            self._figures(r, out)
        self._state(r, out)
        out.append("</tr>")
        return mark_safe("".join(out))  # noqa: S308  (every value above is escaped or a number)

    def _errors(self, r: Any, name: str, out: list[str], css: str = "invalid-feedback d-block") -> None:
        for message in r.errors.get(name, ()):
            out.append(f'<div class="{css}" data-testid="error-{name}">{escape(message)}</div>')

    def _inputs(self, r: Any, out: list[str]) -> None:
        t, values, errors, pk = self.labels, r.values, r.errors, r.plan.pk

        def invalid(name: str) -> str:
            return " is-invalid" if errors.get(name) else ""

        out.append('<td class="tz-col-ytd">')
        out.append(
            f'<input type="text" name="ytd_investment" value="{escape(values.get("ytd_investment", ""))}" '
            f'class="form-control font-monospace text-end{invalid("ytd_investment")}" inputmode="decimal" '
            f'autocomplete="off" aria-label="{t["ytd"]}" data-testid="ytd">'
        )
        self._errors(r, "ytd_investment", out)
        self._errors(r, "month", out)
        if r.report:
            out.append(
                f'<div class="small text-secondary mt-1">{t["this_month"]} <span class="font-monospace" '
                f'data-testid="increment">{wan(r.increment)}</span> · {t["rate"]} '
                f'<span class="font-monospace" data-testid="rate">{rate(r.rate)}</span></div>'
            )
        if r.needs_reason:
            out.append(
                f'<label class="form-label small mt-2 mb-1" for="reason-{pk}">{t["reason"]}</label>'
                f'<input type="text" name="correction_reason" id="reason-{pk}" '
                f'value="{escape(values.get("correction_reason", ""))}" maxlength="300" '
                f'class="form-control form-control-sm{invalid("correction_reason")}" data-testid="correction-reason">'
            )
            self._errors(r, "correction_reason", out)
        out.append("</td><td>")
        out.append(
            f'<textarea name="progress" rows="3" maxlength="2000" class="form-control{invalid("progress")}" '
            f'aria-label="{t["progress"]}" data-testid="progress">{escape(values.get("progress", ""))}</textarea>'
        )
        self._errors(r, "progress", out)
        out.append("</td><td>")
        out.append(
            f'<textarea name="problems" rows="3" class="form-control{invalid("problems")}" '
            f'aria-label="{t["problems"]}" data-testid="problems">{escape(values.get("problems", ""))}</textarea>'
        )
        self._errors(r, "problems", out)
        out.append("</td>")

    def _figures(self, r: Any, out: list[str]) -> None:
        report = r.report
        out.append('<td class="tz-col-ytd text-end font-monospace" data-testid="ytd-value">')
        if report:
            out.append(
                f'{wan(report.ytd_investment)}<div class="small text-secondary">{self.labels["this_month"]} '
                f"{wan(r.increment)} · {rate(r.rate)}</div>"
            )
        else:
            out.append(DASH)
        out.append("</td>")
        out.append(f'<td class="small tz-pre">{escape(report.progress) if report and report.progress else DASH}</td>')
        problems = "".join(f"<div>{escape(p)}</div>" for p in r.row.problems) or DASH
        out.append(f'<td class="small">{problems}</td>')

    def _state(self, r: Any, out: list[str]) -> None:
        report, t = r.report, self.labels
        out.append('<td class="tz-col-state">')
        if report:
            revision = " · " + escape(_("revision %(n)s") % {"n": report.revision}) if report.revision > 1 else ""
            out.append(
                f'<a href="{self.urls["report"].format(report.pk)}" class="badge tz-status-{report.status}" '
                f'data-testid="status">{escape(self.statuses.get(report.status, report.status))}{revision}</a>'
            )
            if report.status == ReportStatus.RETURNED and report.return_reason:
                out.append(
                    f'<div class="small text-red mt-1" data-testid="return-reason"><i class="ti ti-arrow-back-up">'
                    f"</i> {t['returned']}: {escape(report.return_reason)}</div>"
                )
            if report.light and report.light != Light.NONE:
                out.append(
                    f'<div class="small mt-1"><span class="tz-light" title="{escape(report.light_reason)}">'
                    f'<span class="status-dot status-{report.light}"></span> '
                    f"{escape(self.lights.get(report.light, report.light))}</span></div>"
                )
        else:
            out.append(f'<span class="badge bg-secondary-lt" data-testid="status">{t["not_started"]}</span>')
        self._errors(r, "row", out, "small text-red mt-1")
        for warning in r.warnings:
            out.append(
                f'<div class="small text-orange mt-1" data-testid="warning"><i class="ti ti-alert-triangle"></i> '
                f"{escape(warning)}</div>"
            )
        if r.notice:
            out.append(
                f'<div class="small text-green mt-1" data-testid="saved"><i class="ti ti-check"></i> '
                f"{escape(r.notice)}</div>"
            )
        if r.editable:
            url = self.urls["row"].format(r.plan.pk)
            common = (
                f'hx-post="{url}" hx-include="closest tr" hx-target="closest tr" hx-swap="outerHTML" '
                'hx-disabled-elt="this"'
            )
            out.append(
                '<div class="btn-list mt-2 flex-nowrap">'
                f'<button type="button" class="btn btn-sm" {common} data-testid="save">{t["save"]}</button>'
                f'<button type="button" class="btn btn-sm btn-primary" {common} '
                f'hx-vals=\'{{"action": "submit"}}\' data-testid="submit">{t["submit"]}</button>'
                "</div>"
            )
        out.append("</td>")
