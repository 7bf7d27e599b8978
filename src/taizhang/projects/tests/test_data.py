"""The demo key-project ledgers reproduce the seed reports' figures and hang together (no database)."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest

from taizhang.org.data.district import BOUNDARY, DEPARTMENTS, LEADERS, LOCAL_UNITS
from taizhang.projects.data import (
    CATEGORIES,
    CITY_UPGRADING,
    PROGRAMMES,
    SeedLedger,
    SeedProject,
    ledger_2017,
    ledger_2021,
)

UNIT_CODES = {u[0] for u in LOCAL_UNITS} | {d[0] for d in DEPARTMENTS}
LEADER_NAMES = {name for name, _title in LEADERS}
NATURES = {"new", "continuing", "preparatory", "completed"}
STAGES = ("negotiating", "signed", "preparatory", "started", "under_construction", "completed", "in_operation")
STARTED = {"started", "under_construction", "completed", "in_operation"}
PROCEDURE_STATUSES = {"not_started", "in_progress", "obtained", "not_needed"}

# Seed 002: the sites of the 2021 Q1 inspection tour, in the order the report visits them.
TOUR_SITES = (
    "万科航海未来城“一园一路一廊”",
    "郑州名扬遮阳节能产业基地",
    "深国际北方区域总部智慧港",
    "灏宇数字包装产业园",
    "二七华侨城文化艺术中心",
    "万科康养核心板块右江路片区",
    "亚星南岸大厦和南岸商务中心",
    "中国电信郑州分公司电信枢纽楼",
    "嵩山大厦海一实业有限公司",
    "正商航海广场“双创十字街区”项目",
    "中央商务区项目",
    "普乐天地项目",
    "丹尼斯大卫城二七项目",
)
# Seed 002 also names these two projects of the 二七商圈.
OTHER_SEED_002 = ("二七商圈区域城市复兴工程", "二七广场下穿隧道")


def ledgers() -> list[SeedLedger]:
    return [ledger_2017(), ledger_2021()]


def all_projects() -> list[tuple[SeedLedger, SeedProject]]:
    return [(ledger, p) for ledger in ledgers() for p in ledger.projects]


def total(projects: list[SeedProject], field: str) -> Decimal:
    return sum((getattr(p, field) for p in projects), Decimal(0))


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def ledger_end(ledger: SeedLedger) -> dt.date:
    return month_end(ledger.year, ledger.last_month)


def ytd_at(project: SeedProject, month: int) -> Decimal:
    return next((m.ytd for m in project.months if m.month == month), Decimal(0))


# --- seed 003: the 2017 project year ----------------------------------------------------------------------


def test_2017_has_150_projects_worth_3216_billion_with_446_billion_planned() -> None:
    projects = list(ledger_2017().projects)
    assert len(projects) == 150
    assert total(projects, "total_investment") == Decimal("32160000")
    assert total(projects, "planned_investment") == Decimal("4460000")


@pytest.mark.parametrize(
    ("category", "count", "total_investment", "planned"),
    [("industrial", 45, "11750000", "1260000"), ("ecological", 32, "1113000", "310000")],
)
def test_2017_categories_the_report_states(category: str, count: int, total_investment: str, planned: str) -> None:
    projects = [p for p in ledger_2017().projects if p.category == category]
    assert len(projects) == count
    assert total(projects, "total_investment") == Decimal(total_investment)
    assert total(projects, "planned_investment") == Decimal(planned)


def test_2017_shanty_towns_plan_above_21_billion() -> None:
    shanty = [p for p in ledger_2017().projects if "棚户区改造" in p.name]
    assert len(shanty) == 32
    assert total(shanty, "planned_investment") >= Decimal("2100000")


def test_2017_every_category_is_used_and_configured() -> None:
    codes = [c.code for c in CATEGORIES]
    assert len(set(codes)) == len(codes)
    assert len({c.name for c in CATEGORIES}) == len(codes)
    assert {p.category for _ledger, p in all_projects()} <= set(codes)
    assert {p.category for p in ledger_2017().projects} == set(codes)


# --- seed 004: the city-upgrading programme ---------------------------------------------------------------


def test_city_upgrading_programme_has_seven_categories() -> None:
    (programme,) = PROGRAMMES
    assert programme.code == CITY_UPGRADING
    assert programme.name == "百城建设提质工程"
    assert len(programme.categories) == 7
    assert len({code for code, _name in programme.categories}) == 7


def test_city_upgrading_has_94_projects_in_all_seven_categories() -> None:
    (programme,) = PROGRAMMES
    codes = {code for code, _name in programme.categories}
    members = [p for p in ledger_2017().projects if p.programmes]
    assert len(members) == 94
    for p in members:
        assert len(p.programmes) == 1
        assert p.programmes[0][0] == CITY_UPGRADING
        assert p.programmes[0][1] in codes
    assert {p.programmes[0][1] for p in members} == codes


def test_city_upgrading_is_757_per_cent_done_at_october() -> None:
    members = [p for p in ledger_2017().projects if p.programmes]
    done = sum((ytd_at(p, 10) for p in members), Decimal(0))
    rate = done / total(members, "planned_investment")
    assert abs(rate - Decimal("0.757")) <= Decimal("0.0002")
    assert (rate * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) == Decimal("75.7")


# --- monthly reports --------------------------------------------------------------------------------------


def test_last_months() -> None:
    assert ledger_2017().last_month == 12
    assert ledger_2021().last_month == 3


@pytest.mark.parametrize("ledger", ledgers(), ids=lambda ledger: str(ledger.year))
def test_projects_with_a_plan_report_every_month_and_the_others_none(ledger: SeedLedger) -> None:
    for p in ledger.projects:
        if p.planned_investment > 0:
            assert [m.month for m in p.months] == list(range(1, ledger.last_month + 1)), p.code
        else:
            assert p.nature == "preparatory", p.code
            assert p.stage in {"negotiating", "signed", "preparatory"}, p.code
            assert p.months == (), p.code


@pytest.mark.parametrize("ledger", ledgers(), ids=lambda ledger: str(ledger.year))
def test_year_to_date_never_falls_nor_exceeds_what_is_left(ledger: SeedLedger) -> None:
    for p in ledger.projects:
        left = p.total_investment - p.completed_before
        previous = Decimal(0)
        for m in p.months:
            assert previous <= m.ytd <= left, (p.code, m.month)
            assert m.ytd == m.ytd.quantize(Decimal("0.1")), (p.code, m.month)
            assert m.progress, (p.code, m.month)
            previous = m.ytd


@pytest.mark.parametrize("ledger", ledgers(), ids=lambda ledger: str(ledger.year))
def test_amounts_are_whole_and_consistent(ledger: SeedLedger) -> None:
    for p in ledger.projects:
        for amount in (p.total_investment, p.completed_before, p.planned_investment):
            assert amount == amount.to_integral_value(), p.code
            assert amount >= 0, p.code
        assert p.total_investment > 0
        assert p.completed_before + p.planned_investment <= p.total_investment, p.code
        if p.nature == "completed":
            assert p.completed_before + p.planned_investment == p.total_investment, p.code


def bands_at(ledger: SeedLedger, month: int) -> Counter[str]:
    """Each reporting project's light at ``month`` as the rules compute it (10 and 30 points; overdue is red)."""
    elapsed = Decimal(month * 100) / 12
    as_of = month_end(ledger.year, month)
    bands: Counter[str] = Counter()
    for p in ledger.projects:
        if p.planned_investment == 0:
            continue
        gap = ytd_at(p, month) * 100 / p.planned_investment - elapsed
        overdue = any(m.planned < as_of and (m.done is None or m.done > as_of) for m in p.milestones)
        if overdue or gap < -30:
            bands["red"] += 1
        elif gap < -10:
            bands["yellow"] += 1
        elif gap < 0:
            bands["green"] += 1
        else:
            bands["ahead"] += 1
    return bands


def test_2017_october_has_leaders_and_laggards() -> None:
    bands = bands_at(ledger_2017(), 10)
    reporting = sum(bands.values())
    assert bands["ahead"] >= 0.15 * reporting
    assert bands["green"] >= 0.30 * reporting
    assert bands["yellow"] >= 0.10 * reporting
    assert 0.10 * reporting <= bands["red"] <= 0.20 * reporting


def test_2017_some_laggards_are_far_behind_on_money_alone() -> None:
    ledger = ledger_2017()
    behind = [
        p for p in ledger.projects if p.planned_investment and ytd_at(p, 10) * 100 / p.planned_investment < Decimal(53)
    ]
    assert len(behind) >= 10


def test_2021_march_has_leaders_and_laggards() -> None:
    bands = bands_at(ledger_2021(), 3)
    reporting = sum(bands.values())
    assert bands["ahead"] >= 3
    assert bands["yellow"] >= 3
    assert 0.05 * reporting <= bands["red"] <= 0.20 * reporting


# --- seed 002: the 2021 ledger ----------------------------------------------------------------------------


def test_2021_has_about_forty_projects() -> None:
    assert 35 <= len(ledger_2021().projects) <= 45


@pytest.mark.parametrize("site", TOUR_SITES + OTHER_SEED_002)
def test_2021_has_every_project_seed_002_names(site: str) -> None:
    names = [p.name for p in ledger_2021().projects]
    assert sum(site in name for name in names) == 1, site


def test_2021_tour_sites_are_under_way() -> None:
    for p in ledger_2021().projects:
        if any(site in p.name for site in TOUR_SITES):
            assert p.stage in STARTED, p.name
            assert p.planned_investment > 0, p.name


# --- identity, people, places -----------------------------------------------------------------------------


def test_codes_are_unique_across_years() -> None:
    codes = [p.code for _ledger, p in all_projects()]
    assert len(set(codes)) == len(codes)
    for ledger, p in all_projects():
        assert p.code.startswith(f"{ledger.year}-"), p.code


@pytest.mark.parametrize("ledger", ledgers(), ids=lambda ledger: str(ledger.year))
def test_names_are_unique_within_a_year(ledger: SeedLedger) -> None:
    names = [p.name for p in ledger.projects]
    assert len(set(names)) == len(names)


def test_units_and_leaders_exist() -> None:
    for _ledger, p in all_projects():
        assert p.responsible_unit in UNIT_CODES, p.code
        assert p.cooperating_units, p.code
        assert set(p.cooperating_units) <= UNIT_CODES, p.code
        assert p.responsible_unit not in p.cooperating_units, p.code
        assert len(set(p.cooperating_units)) == len(p.cooperating_units), p.code
        assert p.leader in LEADER_NAMES, p.code
        assert p.owner, p.code


def test_units_and_leaders_are_spread() -> None:
    projects = [p for _ledger, p in all_projects()]
    units = {p.responsible_unit for p in projects}
    assert len(units & {u[0] for u in LOCAL_UNITS}) >= 12
    assert {"FGW", "ZJJ", "CGJ", "JTJ", "GXJ", "SWJ", "JYJ", "YLJ", "SLJ"} <= units
    assert len({p.leader for p in projects}) >= 8


def inside_outline(lon: float, lat: float) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(BOUNDARY):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def test_places_are_inside_the_district() -> None:
    for _ledger, p in all_projects():
        assert inside_outline(float(p.longitude), float(p.latitude)), p.code
        assert Decimal("113.52") <= p.longitude <= Decimal("113.68"), p.code
        assert Decimal("34.62") <= p.latitude <= Decimal("34.76"), p.code
        assert p.address.startswith("二七区"), p.code
        assert p.scale, p.code


def test_importance_levels() -> None:
    for _ledger, p in all_projects():
        assert p.importance in {"province", "city", "district", "reserve"}, p.code
        assert (p.importance == "reserve") == (p.planned_investment == 0), p.code
    assert Counter(p.importance for p in ledger_2017().projects)["province"] >= 5


# --- dates, stages, milestones, approvals -----------------------------------------------------------------


@pytest.mark.parametrize("ledger", ledgers(), ids=lambda ledger: str(ledger.year))
def test_stage_history_is_dated_and_ends_at_the_stage(ledger: SeedLedger) -> None:
    end = ledger_end(ledger)
    for p in ledger.projects:
        assert p.nature in NATURES, p.code
        assert p.stage_history, p.code
        assert p.stage_history[-1][0] == p.stage, p.code
        order = [STAGES.index(stage) for stage, _day in p.stage_history]
        assert order == sorted(order), p.code
        days = [day for _stage, day in p.stage_history]
        assert days == sorted(days), p.code
        assert days[-1] <= end, p.code
        assert (p.stage in STARTED) == (p.actual_start is not None), p.code
        if p.actual_start:
            assert ("started", p.actual_start) in p.stage_history, p.code
        if p.actual_completion:
            assert ("completed", p.actual_completion) in p.stage_history, p.code


@pytest.mark.parametrize("ledger", ledgers(), ids=lambda ledger: str(ledger.year))
def test_plan_dates_are_in_order(ledger: SeedLedger) -> None:
    for p in ledger.projects:
        if p.planned_start and p.planned_completion:
            assert p.planned_start <= p.planned_completion, p.code
        if p.actual_start and p.actual_completion:
            assert p.actual_start < p.actual_completion, p.code
        assert p.plan_start_in_year == (p.planned_start is not None and p.planned_start.year == ledger.year), p.code
        if p.plan_complete_in_year:
            assert p.planned_completion is not None, p.code
            assert p.planned_completion.year == ledger.year, p.code
        assert p.progress_goal, p.code


@pytest.mark.parametrize("ledger", ledgers(), ids=lambda ledger: str(ledger.year))
def test_milestones_follow_the_start(ledger: SeedLedger) -> None:
    end = ledger_end(ledger)
    for p in ledger.projects:
        if p.stage == "under_construction":
            assert 3 <= len(p.milestones) <= 6, p.code
        if not p.milestones:
            continue
        starts = [day for day in (p.planned_start, p.actual_start) if day is not None]
        planned = [m.planned for m in p.milestones]
        assert planned == sorted(planned), p.code
        assert len(set(planned)) == len(planned), p.code
        assert min(planned) >= max(starts), p.code
        assert dt.date(ledger.year, 1, 1) <= min(planned) and max(planned) <= dt.date(ledger.year + 1, 6, 30), p.code
        for m in p.milestones:
            if m.done is not None:
                assert p.actual_start is not None and p.actual_start <= m.done <= end, (p.code, m.name)


def test_2017_laggards_have_overdue_milestones_at_october() -> None:
    as_of = dt.date(2017, 10, 31)
    overdue = [
        p
        for p in ledger_2017().projects
        if any(m.planned < as_of and (m.done is None or m.done > as_of) for m in p.milestones)
    ]
    assert len(overdue) >= 5
    for p in overdue:
        assert ytd_at(p, 10) * 100 / p.planned_investment < Decimal("53.4"), p.code  # laggards on money too


def test_2017_finished_projects_report_their_whole_plan() -> None:
    for p in ledger_2017().projects:
        if p.actual_completion is not None:
            assert p.plan_complete_in_year, p.code
            assert ytd_at(p, 12) == p.planned_investment, p.code
            assert p.milestones[-1].done == p.actual_completion, p.code


@pytest.mark.parametrize("ledger", ledgers(), ids=lambda ledger: str(ledger.year))
def test_procedures(ledger: SeedLedger) -> None:
    end = ledger_end(ledger)
    numbers = []
    for p in ledger.projects:
        assert p.procedures, p.code
        for proc in p.procedures:
            assert proc.status in PROCEDURE_STATUSES, p.code
            if proc.status == "obtained":
                assert proc.permit_number, p.code
                assert proc.date is not None, p.code
                assert proc.date <= end, p.code
                if p.actual_start:
                    assert proc.date <= p.actual_start, p.code
                numbers.append(proc.permit_number)
            else:
                assert proc.permit_number == "", p.code
                assert proc.date is None, p.code
        if p.actual_start:
            assert all(proc.status in {"obtained", "not_needed"} for proc in p.procedures), p.code
    assert len(set(numbers)) == len(numbers)


# --- campaigns --------------------------------------------------------------------------------------------


def test_2017_campaigns_start_and_sign_projects() -> None:
    ledger = ledger_2017()
    by_code = {p.code: p for p in ledger.projects}
    kinds = Counter(c.kind for c in ledger.campaigns)
    assert kinds == Counter({"starting": 1, "signing": 1})
    for campaign in ledger.campaigns:
        assert campaign.date.year == 2017
        assert campaign.name and campaign.place
        assert len(campaign.project_codes) >= 5
        for code in campaign.project_codes:
            p = by_code[code]
            if campaign.kind == "starting":
                assert p.actual_start == campaign.date, code
                assert p.plan_start_in_year, code
            else:
                assert ("signed", campaign.date) in p.stage_history, code


def test_2021_campaign() -> None:
    ledger = ledger_2021()
    codes = {p.code for p in ledger.projects}
    assert [c.kind for c in ledger.campaigns] == ["starting"]
    (campaign,) = ledger.campaigns
    assert dt.date(2021, 1, 1) <= campaign.date <= ledger_end(ledger)
    assert set(campaign.project_codes) <= codes


# --- the generator ----------------------------------------------------------------------------------------


def test_ledgers_are_cached_and_deterministic() -> None:
    assert ledger_2017() is ledger_2017()
    assert ledger_2017.__wrapped__() == ledger_2017()
    assert ledger_2021.__wrapped__() == ledger_2021()
