"""The monthly key-project bulletin (重点项目建设进展情况通报), computed from the district summary and the ledger.

关于2022年1—5月全区重点项目建设进展情况的通报: the district's figures for the month (projects, investment
completed in 亿元, share of the annual plan, ahead of or behind the time-elapsed share, start rate, red lights),
the same sentence for each programme (百城提质 …) and a table by category, the ranking of the responsible units
by completion rate, and the red-light projects with why they are red and the problems their reports name.
Every figure comes from ``selectors.summary`` and the month's approved reports as the reading user sees them,
so it is the figure of the summary page.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from taizhang.core.scoping import scope_for
from taizhang.ledgers.bulletins import BulletinKind, register
from taizhang.ledgers.notice import Notice
from taizhang.projects import rules, selectors, services
from taizhang.projects.choices import Light
from taizhang.projects.models import MonthlyReport, ReportProblem

YI = Decimal(10000)  # 万元 in one 亿元


def yi(amount: Decimal) -> str:
    """万元 as 亿元 with two decimals, as bulletins print money."""
    return f"{(amount / YI).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"


def months(month: int) -> str:
    return "1月" if month == 1 else f"1—{month}月"


def percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def pace(rate: Decimal | None, month: int) -> str:
    """ "超序时进度3.2个百分点", "滞后序时进度7.7个百分点", "与序时进度持平"."""
    gap = rules.pct(rules.gap_points(rate, month)) if rate is not None and month else None
    if gap is None:
        return "暂无序时进度比较"
    if gap > 0:
        return f"超序时进度{gap}个百分点"
    if gap < 0:
        return f"滞后序时进度{-gap}个百分点"
    return "与序时进度持平"


def progress_sentence(row: Any, month: int, who: str) -> str:
    """ "全区94个重点项目累计完成投资X亿元，占年度计划的75.7%，滞后序时进度7.7个百分点"."""
    return (
        f"{who}累计完成投资{yi(row.ytd)}亿元，占年度计划的{percent(row.rate)}，"
        f"{pace(rules.completion_rate(row.ytd, row.planned), month)}"
    )


def red_reports(user: Any, year: int, month: int) -> list[MonthlyReport]:
    """The month's approved reports with a red light, worst first: the projects the bulletin names."""
    plans = selectors.plan_list(user, year).values("pk")
    return list(
        MonthlyReport.objects.live()
        .filter(plan__in=plans, month=month, is_effective=True, light=Light.RED)
        .select_related("project", "project__responsible_unit", "plan")
        .prefetch_related(
            Prefetch("problems", queryset=ReportProblem.objects.live().order_by("pk"), to_attr="live_problems")
        )
        .order_by("project__responsible_unit__sort_order", "project__code", "pk")
    )


def build(user: Any, year: int, month: int) -> Notice:
    summary = selectors.summary(user, year, month)
    total = summary.total
    district = str(settings.TAIZHANG.get("DISTRICT_NAME", ""))
    period = f"{year}年{months(month)}"
    notice = Notice(
        title=f"关于{period}全区重点项目建设进展情况的通报",
        office=f"{district}人民政府督查室",
        date=services.today(),
        number=f"督查通报〔{year}〕项目{month}号",
        addressees="各街道办事处、乡（镇）人民政府，区直各单位：",
        masthead=f"{district}人民政府督查室",
    )
    notice.paragraph(
        f"为加快推进重点项目建设，根据各单位报送并经审核的项目进展情况，现将{period}全区重点项目建设进展情况通报如下。"
    )
    notice.heading("一、总体情况")
    if not total.count:
        notice.paragraph(f"{year}年全区尚未安排重点项目年度计划。")
    else:
        opening = f"{months(month)}，{progress_sentence(total, month, f'全区{total.count}个重点项目')}。"
        notice.paragraph(
            f"{opening}全区重点项目总投资{yi(total.total_investment)}亿元，年度计划投资{yi(total.planned)}亿元；"
            f"序时进度为{summary.elapsed}%。"
        )
        for programme in summary.by_programme:
            who = f"{programme.label}{programme.count}个项目"
            notice.paragraph(f"{progress_sentence(programme, month, who)}。", lead="其中，")
        if total.to_start:
            notice.paragraph(
                f"计划年内开工项目{total.to_start}个，已开工{total.started}个，开工率{percent(total.start_rate)}。"
            )
        notice.paragraph(
            f"亮红灯项目{total.red}个（滞后序时进度超过红灯界限或节点逾期），具体见第三部分。"
            if total.red
            else "本期无亮红灯项目。"
        )
        if summary.by_category:
            notice.table(
                ["项目类别", "项目数", "年度计划投资（万元）", "累计完成投资（万元）", "完成率"],
                [
                    [row.label, row.count, _wan(row.planned), _wan(row.ytd), percent(row.rate)]
                    for row in summary.by_category
                ],
                numeric=(1, 2, 3, 4),
                widths_mm=(40, 18, 36, 36, 24),
                caption=f"{period}重点项目分类别完成情况",
            )
    notice.heading("二、各单位进展情况")
    if summary.by_unit:
        notice.paragraph("按年度投资完成率排序，各责任单位重点项目进展情况如下：")
        notice.table(
            ["名次", "责任单位", "项目数", "年度计划投资（万元）", "累计完成投资（万元）", "完成率", "红灯项目"],
            [
                [rank, row.label, row.count, _wan(row.planned), _wan(row.ytd), percent(row.rate), row.red]
                for rank, row in enumerate(summary.by_unit, start=1)
            ],
            numeric=(2, 3, 4, 5, 6),
            widths_mm=(12, 40, 14, 30, 30, 18, 14),
            caption=f"{period}各单位重点项目投资完成情况排名",
        )
    else:
        notice.paragraph("暂无单位数据。")
    notice.heading("三、亮红灯项目")
    reds = red_reports(user, year, month)
    if reds:
        notice.paragraph(f"以下{len(reds)}个项目亮红灯，请责任单位认真分析原因，倒排工期，确保按期完成年度目标：")
        for number, report in enumerate(reds, start=1):
            project = report.project
            problems = "；".join(p.text for p in getattr(report, "live_problems", ()))
            rate = rules.pct(rules.completion_rate(report.ytd_investment, report.plan.planned_investment))
            text = (
                f"{project.name}（责任单位：{project.responsible_unit.name}），{months(month)}完成投资"
                f"{_wan(report.ytd_investment)}万元，完成率{percent(rate)}。"
            )
            text += f"存在问题：{problems}。" if problems else "未报送存在问题。"
            notice.paragraph(f"{number}. {text}")
    else:
        notice.paragraph("本期无亮红灯项目。")
    notice.heading("四、工作要求")
    notice.paragraph(
        "各责任单位要对照年度计划，逐个项目查找差距，对滞后项目倒排工期、挂图作战，确保完成年度投资目标。",
        lead="一是加快项目建设进度。",
    )
    notice.paragraph(
        "对亮红灯项目存在的问题，责任单位要明确责任人和完成时限，需区级协调的及时报区督查室。",
        lead="二是着力破解项目难题。",
    )
    notice.paragraph(
        "各单位要于每月5日前如实报送项目进展，区督查室将每月通报，对连续亮红灯的项目进行督办。",
        lead="三是严格落实报送制度。",
    )
    notice.closing()
    return notice


def _wan(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def may_build(user: Any) -> bool:
    return bool(user.has_perm("projects.view_summary")) and not scope_for(user).is_empty


register(
    BulletinKind(
        name="projects",
        label=_("Key-project bulletin"),
        description=_(
            "The month's key-project figures: the district and each programme against the time-elapsed share, "
            "units ranked by completion rate, and the red-light projects with their problems."
        ),
        build=build,
        may_build=may_build,
    )
)
