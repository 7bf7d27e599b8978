"""Demo step: the issue ledger of the demo district.

Configuration (sources, the category tree with time limits, routing rules, an Open311 client for the 12345
hotline), then eight weeks of issues built through the real services with the clock turned back: a
civilized-city check round (文明城市测评) of one day, daily patrols across the grid cells and road segments,
and hotline reports. Every state occurs, with overdue, reworked, extended, shelved and reopened issues.

The demo is built relative to the present (``clock.now()``: a test may stand on any day). Each story is registered
early enough for all its steps to lie in the past; a step that would still fall in the future, or a story that
does not end as planned (an "overdue" issue that is not red…), stops the demo with :class:`DemoTimelineError`
instead of leaving a gap silently.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone
from shapely.geometry import Point, shape

from taizhang.core import clock, geo, workdays
from taizhang.core.demo import DEMO_PASSWORD, DemoContext, DemoStep, register
from taizhang.core.roles import Role
from taizhang.issues import data, services
from taizhang.issues.models import Issue, IssueCategory, IssueSource
from taizhang.issues.sample_photos import photo
from taizhang.org import services as org_services
from taizhang.org.models import Area, Membership, Unit, User

WEEKS = 8
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

# How the stories of the demo issues end, and how many of each (patrols; the check round draws from the same).
PLANS: list[tuple[str, int]] = [
    ("closed_on_time", 20),
    ("closed_late", 6),
    ("reworked", 6),
    ("reopened", 4),
    ("extended", 5),
    ("extension_refused", 2),
    ("extension_pending", 2),
    ("shelved", 3),
    ("shelve_pending", 1),
    ("overdue", 8),
    ("due_soon", 4),
    ("awaiting_verification", 6),
    ("rectifying", 8),
    ("acknowledged", 4),
    ("dispatched", 6),
    ("reassigned", 3),
    ("sent_back", 2),
    ("voided", 2),
]

# A month on, the check round's fresh stories have ended: recent states come from the patrols.
CHECK_ROUND_PLAN = {
    "dispatched": "closed_on_time",
    "acknowledged": "closed_on_time",
    "rectifying": "closed_on_time",
    "awaiting_verification": "closed_on_time",
    "due_soon": "overdue",
}
CHECK_ROUND_TITLE = "全国文明城市测评模拟检查"
CHECK_FINDINGS = [
    ("wm-alleys", "背街小巷垃圾堆积，墙面污损"),
    ("wm-market", "农贸市场外溢经营，地面湿滑脏乱"),
    ("wm-site", "建筑工地围挡破损，未设公益广告"),
    ("wm-school", "校园周边流动摊点聚集"),
    ("wm-ads", "公交站台公益广告缺失"),
    ("sr-posters", "电线杆小广告未清理"),
    ("sr-dump", "楼道口杂物乱堆乱放"),
    ("dl-bikes", "人行道共享单车乱停放"),
    ("ss-toilets", "公厕保洁不到位，无人值守"),
]
PATROL_FINDINGS = [
    ("sr-dump", "路边建筑垃圾乱堆放"),
    ("sr-vending", "早市占道经营"),
    ("sr-garbage", "垃圾桶满溢未及时清运"),
    ("sr-signs", "门头招牌破损存在安全隐患"),
    ("dl-pavement", "人行道地砖破损松动"),
    ("dl-manhole", "雨水井盖缺失"),
    ("dl-signals", "交通信号灯故障"),
    ("dl-bikes", "非机动车乱停放堵塞盲道"),
    ("yl-green", "绿化带被踩踏损毁"),
    ("yl-tree", "行道树倒伏"),
    ("ss-lights", "路灯夜间不亮"),
    ("wf", "楼顶私搭乱建"),
]


class DemoTimelineError(RuntimeError):
    """A demo story does not fit before the present, or did not end as planned."""


class Demo:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rng = random.Random(2026)
        self.real_now = clock.now()
        self.admin = User.objects.get(username="admin")
        self.supervisor = User.objects.get(username="supervisor")
        self.inspectors = [User.objects.get(username="inspector_wang"), User.objects.get(username="inspector_li")]
        self.workers = self._workers()
        self.counts: dict[str, int] = {}
        self.played: list[tuple[str, int]] = []  # (plan, issue id), checked at the end

    # --- configuration ----------------------------------------------------------------------------------

    def configure(self) -> None:
        self.sources = {
            code: services.source_create(actor=self.admin, code=code, name=name, auto_dispatch=auto, sort_order=i)
            for i, (code, name, auto) in enumerate(data.SOURCES)
        }
        self.categories: dict[str, IssueCategory] = {}
        for i, (code, name, parent, limit, unit, lead, severity) in enumerate(data.CATEGORIES):
            self.categories[code] = services.category_create(
                actor=self.admin,
                code=code,
                name=name,
                parent=self.categories.get(parent) if parent else None,
                time_limit=limit,
                time_unit=unit,
                yellow_lead=lead,
                severity=severity,
                sort_order=i,
            )
        for category, unit_code, note in data.RULES:
            services.routing_rule_create(
                actor=self.admin, category=self.categories[category], unit=Unit.objects.get(code=unit_code), note=note
            )
        hotline_user = org_services.user_create(
            actor=self.admin, username="hotline_12345", password=DEMO_PASSWORD, first_name="热线平台", last_name="12345"
        )
        org_services.membership_create(
            actor=self.admin, user=hotline_user, unit=Unit.objects.get(code="XFJ"), role=Role.REPORTER
        )
        self.hotline, key = services.open311_client_create(
            actor=self.admin,
            name="12345市民服务热线",
            user=hotline_user,
            source=self.sources["hotline"],
            coordinate_system="gcj02",
        )
        self.ctx.write(
            f"{len(self.sources)} sources, {len(self.categories)} categories, {len(data.RULES)} routing rules"
        )
        self.ctx.write(f"Open311 client {self.hotline.name}: api_key={key}")

    def _workers(self) -> dict[int, User]:
        """A user who works for each unit that has one (reporters before unit heads)."""
        rows = (
            Membership.objects.live()
            .filter(role__in=[Role.REPORTER, Role.UNIT_HEAD], is_active=True)
            .select_related("user")
            .order_by("-role")
        )
        workers: dict[int, User] = {}
        for m in rows:
            workers.setdefault(m.unit_id, m.user)
        return workers

    def worker_for(self, unit: Unit) -> User:
        for part in reversed([p for p in unit.path.strip("/").split("/") if p]):
            if int(part) in self.workers:
                return self.workers[int(part)]
        return self.admin  # a unit with no demo login: the system administrator acts for it

    # --- places -----------------------------------------------------------------------------------------

    def point_in(self, area: Area) -> tuple[float, float]:
        geom = shape(area.geometry)
        if geom.geom_type in ("LineString", "MultiLineString"):
            p = geom.interpolate(self.rng.uniform(0.1, 0.9), normalized=True)
            return round(p.x + self.rng.uniform(-0.00005, 0.00005), 6), round(p.y, 6)
        min_x, min_y, max_x, max_y = geom.bounds
        for _i in range(200):
            x, y = self.rng.uniform(min_x, max_x), self.rng.uniform(min_y, max_y)
            if geom.contains(Point(x, y)):
                return round(x, 6), round(y, 6)
        rp = geom.representative_point()
        return round(rp.x, 6), round(rp.y, 6)

    # --- stories ----------------------------------------------------------------------------------------

    def register(
        self, *, when: dt.datetime, reporter: User, source: IssueSource, category: str, title: str, area: Area
    ) -> Issue:
        lon, lat = self.point_in(area)
        with clock.travel(when):
            return services.issue_register(
                actor=reporter,
                category=self.categories[category],
                source=source,
                title=title,
                description=f"{area.name}：{title}。",
                address=f"{area.name}附近",
                longitude=lon,
                latitude=lat,
                found_at=when - dt.timedelta(minutes=self.rng.randint(5, 40)),
                photos=[
                    photo(
                        f"before-{self.rng.randrange(10**6)}.jpg",
                        taken_at=when - 10 * dt.timedelta(minutes=1),
                        longitude=lon,
                        latitude=lat,
                        colour="#a0522d",
                    )
                ],
            )

    def not_after_now(self, issue: Issue, when: dt.datetime, step: str) -> None:
        if when >= self.real_now - dt.timedelta(minutes=5):
            raise DemoTimelineError(
                f"demo: {step} of {issue.number} ({issue.title}) would fall at {when:%Y-%m-%d %H:%M}, "
                f"not before now ({self.real_now:%Y-%m-%d %H:%M}): its story was registered too late"
            )

    def act(self, issue: Issue, when: dt.datetime, actor: User, action: str, **params: Any) -> Issue:
        self.not_after_now(issue, when, action)
        with clock.travel(when):
            return services.issue_transition(
                actor=actor, issue=issue, action=action, expected_version=issue.version, **params
            )

    def after_photo(self, issue: Issue, when: dt.datetime, actor: User, *, far: bool = False) -> None:
        lon, lat = issue.point or (113.63, 34.72)
        if far:
            lon += 0.008  # some 700 m east: the verifier is warned
        self.not_after_now(issue, when, "after photo")
        with clock.travel(when):
            services.evidence_add(
                actor=actor,
                issue=issue,
                kind="after",
                file=photo(
                    f"after-{issue.number}.jpg",
                    taken_at=when - 20 * dt.timedelta(minutes=1),
                    longitude=lon + self.rng.uniform(-0.0001, 0.0001),
                    latitude=lat,
                    colour="#4a7c59",
                ),
            )

    def verifier(self, issue: Issue) -> User:
        choices = [u for u in self.inspectors if u.pk not in (issue.rectified_by_id, issue.reported_by_id)]
        return choices[0] if choices else self.supervisor

    def play(self, plan: str, issue: Issue) -> None:
        """Take ``issue`` through the steps of ``plan``, every one of them before the present."""
        self.counts[plan] = self.counts.get(plan, 0) + 1
        self.played.append((plan, issue.pk))
        start = issue.registered_at
        # Steps are spread over the time limit, or over the time since registration if that is shorter.
        span = max(min(issue.deadline - start, (self.real_now - start) * 0.9), 20 * dt.timedelta(minutes=1))
        worker = self.worker_for(issue.responsible_unit)
        if plan == "voided":
            self.act(
                issue, start + 2 * HOUR, self.supervisor, "void", void_kind="duplicate", reason="与巡查上报问题重复"
            )
        elif plan == "sent_back":
            self.act(issue, start + HOUR, worker, "send_back", reason="该点位不在本单位辖区，请重新派遣")
        elif plan == "reassigned":
            self.reassign(issue, start)
        elif plan != "dispatched":
            ack = self.act(issue, start + span * 0.1, worker, "acknowledge")
            if plan != "acknowledged":
                started = self.act(ack, start + span * 0.15, worker, "start", note="已安排人员整改")
                self.rectify(plan, started, worker, span)

    def reassign(self, issue: Issue, start: dt.datetime) -> None:
        target = Unit.objects.get(code="CGJ" if issue.responsible_unit.code != "CGJ" else "ZFJ")
        moved = self.act(
            issue, start + HOUR, self.supervisor, "reassign", unit=target, reason="属行业管理事项，改派主管部门"
        )
        self.act(moved, start + 3 * HOUR, self.worker_for(target), "acknowledge")

    def rectify(self, plan: str, issue: Issue, worker: User, span: dt.timedelta) -> None:
        if plan in ("rectifying", "overdue", "due_soon"):
            return
        if plan in ("extended", "extension_refused", "extension_pending"):
            self.extension(plan, issue, worker, span)
        elif plan.startswith("shelve"):
            self.shelve(plan, issue, worker, span)
        else:
            self.close(plan, issue, worker, span)

    def extension(self, plan: str, issue: Issue, worker: User, span: dt.timedelta) -> None:
        start = issue.registered_at
        wanted = timezone.localtime(issue.deadline).date() + 7 * DAY
        asked = self.act(
            issue, start + span * 0.3, worker, "request_extension", deadline=wanted, reason="需协调产权单位，申请延期"
        )
        if plan == "extension_pending":
            return
        if plan == "extended":
            self.act(asked, start + span * 0.4, self.supervisor, "grant_extension", note="同意延期")
        else:
            self.act(asked, start + span * 0.4, self.supervisor, "refuse_extension", reason="时限内可以完成，不予延期")

    def shelve(self, plan: str, issue: Issue, worker: User, span: dt.timedelta) -> None:
        start = issue.registered_at
        review = timezone.localtime(start).date() + 90 * DAY
        asked = self.act(
            issue,
            start + span * 0.3,
            worker,
            "request_shelve",
            review_date=review,
            reason="涉及征收拆迁，暂不具备整改条件",
        )
        if plan == "shelved":
            self.act(asked, start + span * 0.5, self.supervisor, "approve_shelve", note="同意挂账，到期复查")

    def close(self, plan: str, issue: Issue, worker: User, span: dt.timedelta) -> None:
        start = issue.registered_at
        if plan == "closed_late":
            close_at = issue.deadline + DAY + 2 * HOUR
        elif plan == "awaiting_verification":
            close_at = start + (self.real_now - start) * 0.8  # asked recently, nobody has checked yet
        else:
            close_at = start + span * 0.7
        self.after_photo(issue, close_at - HOUR, worker, far=self.counts[plan] % 7 == 3)
        asked = self.act(issue, close_at, worker, "request_closure", measures="已清理完毕并安排专人巡查，防止反弹")
        if plan == "awaiting_verification":
            return
        if plan == "reworked":
            failed = self.act(
                asked, close_at + 4 * HOUR, self.verifier(asked), "verify_fail", reason="现场核查仍有残留，整改不彻底"
            )
            close_at += DAY
            self.after_photo(failed, close_at - HOUR, worker)
            asked = self.act(failed, close_at, worker, "request_closure", measures="二次整改，彻底清理")
        passed = self.act(asked, close_at + 5 * HOUR, self.verifier(asked), "verify_pass", note="现场核查已整改到位")
        if plan == "reopened":
            self.act(passed, close_at + 6 * DAY, self.inspectors[0], "reopen", reason="复查发现问题反弹")

    def when(self, days_ago_low: float, days_ago_high: float) -> dt.datetime:
        """A working-hours moment some days ago (Asia/Shanghai)."""
        days = self.rng.uniform(days_ago_low, days_ago_high)
        day = timezone.localtime(self.real_now - dt.timedelta(days=days)).date()
        hour = self.rng.choice([9, 10, 11, 14, 15, 16])
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, self.rng.randrange(60))))
        return min(moment, self.real_now - 2 * HOUR)

    def register_time(self, plan: str) -> dt.datetime:
        if plan in ("dispatched", "acknowledged", "sent_back", "extension_pending", "shelve_pending"):
            return self.when(0.1, 1.5)
        if plan in ("rectifying", "awaiting_verification"):
            return self.when(0.5, 2.5)
        if plan == "overdue":
            # Ten workdays (the longest limit) plus the longest holiday stay within 25 days: red whatever the date.
            return self.when(25, 40)
        if plan == "due_soon":
            return self.due_soon_start()
        if plan in ("closed_late", "reworked", "reopened"):
            # Steps after the deadline (closed late) or days after closing (rework, recurrence): a month back.
            return self.when(30, WEEKS * 7)
        return self.when(10, WEEKS * 7)

    def due_soon_start(self) -> dt.datetime:
        """A registration whose deadline (3 workdays, yellow 1 workday ahead) is the next close of a workday still to
        come: today's if today is a workday before 17:30 (yellow since yesterday's close), else the next workday's
        (yellow since the last close). Yellow now, not yet red, on any day."""
        cal = workdays.calendar()
        today = timezone.localtime(self.real_now).date()
        if cal.is_workday(today) and self.real_now < cal.close_of(today) - HOUR:
            due = today
        else:
            due = cal.add_workdays(today, 1)
        start = timezone.make_aware(dt.datetime.combine(cal.add_workdays(due, -3), dt.time(10, self.rng.randrange(60))))
        return min(start, self.real_now - 2 * HOUR)

    def build(self) -> None:
        self.configure()
        grids = list(Area.objects.live().filter(kind="grid").select_related("responsible_unit"))
        roads = list(Area.objects.live().filter(kind="road").select_related("responsible_unit"))
        plans = [plan for plan, n in PLANS for _i in range(n)]
        self.rng.shuffle(plans)
        # The check round: one day, many findings, one inspector.
        round_day = self.when(33, 33)
        check = plans[:24]
        for i, plan in enumerate(check):
            category, title = CHECK_FINDINGS[i % len(CHECK_FINDINGS)]
            when = round_day.replace(hour=9) + dt.timedelta(minutes=17 * i)
            area = self.rng.choice(grids)
            issue = self.register(
                when=when,
                reporter=self.inspectors[1],
                source=self.sources["checklist"],
                category=category,
                title=f"{CHECK_ROUND_TITLE}：{title}",
                area=area,
            )
            self.play(CHECK_ROUND_PLAN.get(plan, plan), issue)
        # Daily patrols over grid cells and road segments.
        for plan in plans[24:]:
            category, title = (
                ("wm-alleys", "背街小巷垃圾堆积") if plan == "due_soon" else self.rng.choice(PATROL_FINDINGS)
            )
            area = self.rng.choice(roads if self.rng.random() < 0.4 else grids)
            issue = self.register(
                when=self.register_time(plan),
                reporter=self.inspectors[0],
                source=self.sources["patrol"],
                category=category,
                title=title,
                area=area,
            )
            self.play(plan, issue)
        self.hotline_reports(grids)
        with clock.travel(self.real_now - dt.timedelta(minutes=1)):
            reminded = services.issues_remind(actor=None)
        self.check_outcomes()
        total = Issue.objects.count()
        self.ctx.write(f"{total} issues; reminders: {reminded['yellow']} yellow, {reminded['overdue']} overdue")

    def check_outcomes(self) -> None:
        """Every story ended as its plan says: a plan that silently fell short would leave a state out of the demo."""
        now = self.real_now
        expected: dict[str, Any] = {
            "closed_on_time": lambda i: i.status == "closed" and i.closed_on_time is True,
            "closed_late": lambda i: i.status == "closed" and i.closed_on_time is False,
            "reworked": lambda i: i.status == "closed" and i.rework_count >= 1,
            "reopened": lambda i: i.status == "dispatched" and i.recurrence_count >= 1,
            "extended": lambda i: i.status == "rectifying" and i.extension_count >= 1,
            "extension_refused": lambda i: i.status == "rectifying" and not i.pending_request,
            "extension_pending": lambda i: i.pending_request == "extension",
            "shelved": lambda i: i.status == "shelved",
            "shelve_pending": lambda i: i.pending_request == "shelve",
            "overdue": lambda i: i.status == "rectifying" and i.deadline < now,
            "due_soon": lambda i: i.status == "rectifying" and i.yellow_at <= now < i.deadline,
            "awaiting_verification": lambda i: i.status == "closure_requested",
            "rectifying": lambda i: i.status == "rectifying",
            "acknowledged": lambda i: i.status == "acknowledged",
            "dispatched": lambda i: i.status == "dispatched",
            "reassigned": lambda i: i.status == "acknowledged" and i.reassignment_count >= 1,
            "sent_back": lambda i: i.status == "registered",
            "voided": lambda i: i.is_void,
        }
        issues = Issue.objects.in_bulk([pk for _plan, pk in self.played])
        wrong = [
            f"{issues[pk].number} ({plan}: {issues[pk].status})"
            for plan, pk in self.played
            if not expected[plan](issues[pk])
        ]
        if wrong:
            raise DemoTimelineError(f"demo: stories that did not end as planned: {', '.join(wrong)}")

    def hotline_reports(self, grids: list[Area]) -> None:
        """Citizens' calls through the 12345 platform, with map-app (GCJ-02) coordinates: registered for the office
        to dispatch, some dispatched; the last call comes from beyond the district line and is flagged."""
        calls = [
            ("sr-garbage", "小区门口垃圾无人清运"),
            ("dl-manhole", "路口井盖松动有异响"),
            ("ss-lights", "小区外路灯不亮"),
            ("sr-vending", "夜市占道噪音扰民"),
            ("sr-dump", "城乡结合部有人倾倒建筑垃圾"),
        ]
        for i, (category, text) in enumerate(calls):
            area = self.rng.choice(grids)
            wgs = self.point_in(area) if i < len(calls) - 1 else (113.705, 34.770)
            lon, lat = geo.wgs84_to_gcj02(*wgs)
            with clock.travel(self.when(0.2, 3)):
                issue = services.issue_register(
                    actor=self.hotline.user,
                    category=self.categories[category],
                    source=self.sources["hotline"],
                    description=f"市民来电反映：{text}。",
                    address=area.name if i < len(calls) - 1 else "京港澳高速东侧",
                    longitude=round(lon, 6),
                    latitude=round(lat, 6),
                    coordinate_system=self.hotline.coordinate_system,
                    open311_client=self.hotline,
                )
            if i % 2 == 0:
                self.act(issue, issue.registered_at + HOUR, self.supervisor, "dispatch")


def build(ctx: DemoContext) -> None:
    Demo(ctx).build()


register(DemoStep(name="issues", order=20, build=build))
