"""Provisional column specs for the key-project and issue ledgers, as test data.

The projects and issues apps are built in parallel; their models do not exist on this branch yet. These specs
prove the engine on the sample files at the parse level; phase 2 moves them into ``projects/columns.py`` and
``issues/columns.py`` with adapters onto the real models.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from taizhang.ledgers import values as v
from taizhang.ledgers.columns import (
    Choice,
    Column,
    ColumnType,
    Date,
    Money,
    Percent,
    PersonRef,
    ReadContext,
    Sheet,
    Text,
    UnitRef,
    YesNo,
)

NATURE = [("new", "新开工"), ("continuing", "续建"), ("preparatory", "前期"), ("completed", "竣工")]

PROJECTS = Sheet(
    kind="projects",
    title="重点项目进展情况",
    periodic=True,
    category="category",
    columns=(
        Column("name", "项目名称", aliases=("项目", "名称"), required=True, type=Text(200, width=24)),
        Column("code", "项目代码", aliases=("项目编码", "代码"), type=Text(40)),
        Column("category", "项目类别", aliases=("类别", "项目类型"), type=Text(40)),
        Column(
            "nature", "建设性质", aliases=("性质",), type=Choice(NATURE, aliases={"新建": "new", "在建": "continuing"})
        ),
        Column("unit", "责任单位", aliases=("牵头单位", "责任主体"), required=True, type=UnitRef()),
        Column("leader", "责任领导", aliases=("分包领导", "包联领导"), type=PersonRef()),
        Column("content", "建设内容", aliases=("建设规模及主要内容", "主要建设内容"), type=Text(500, width=30)),
        Column("total", "总投资", type=Money("亿元"), total=True),
        Column("plan", "计划投资", group="{year}年", aliases=("年度计划投资", "年度计划"), type=Money(), total=True),
        Column(
            "done",
            "1-{month}月完成投资",
            group="{year}年",
            aliases=("累计完成投资", "完成投资", "累计完成", "实际完成"),
            type=Money(),
            total=True,
        ),
        Column("rate", "完成率", group="{year}年", aliases=("投资完成率",), type=Percent()),
        Column("start", "计划开工", aliases=("开工时间", "开工日期"), type=Date()),
        Column("finish", "计划竣工", aliases=("竣工时间", "竣工日期"), type=Date()),
        Column("progress", "形象进度", aliases=("工程进度", "进展情况"), type=Text(500, width=24)),
        Column("problems", "存在问题", aliases=("存在的问题", "问题"), type=Text(500, width=24)),
    ),
)


class TimeLimit(ColumnType):
    """整改时限: "立即整改", "3个工作日", or a date."""

    kind = "time limit"
    width = 12.0

    def parse(self, value: Any, ctx: ReadContext) -> Any:
        if v.is_unknown(value):
            return None
        if isinstance(value, str):
            text = v.squeeze(value)
            if text in {"立即整改", "立即", "立行立改", "即知即改"}:
                return ("immediate", 0)
            if match := re.fullmatch(r"(\d+)个?工作日(?:内)?", text):
                return ("workdays", int(match.group(1)))
            if match := re.fullmatch(r"(\d+)(?:天|日)(?:内)?", text):
                return ("days", int(match.group(1)))
        day = v.parse_date(value, year=ctx.year, month_ok=False)
        return ("date", day)

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
        assert isinstance(amount, dt.date)
        return amount


ISSUES = Sheet(
    kind="issues",
    title="问题整改台账",
    category="category",
    columns=(
        Column("source", "问题来源", aliases=("来源",), type=Text(40)),
        Column("category", "问题类别", aliases=("类别", "问题类型"), type=Text(40)),
        Column("description", "问题描述", aliases=("问题", "存在问题", "问题内容"), required=True, type=Text(500)),
        Column("location", "具体位置", aliases=("位置", "地点", "问题位置"), type=Text(200)),
        Column("found_on", "发现时间", aliases=("发现日期", "检查时间"), type=Date(month_ok=False)),
        Column("unit", "责任单位", required=True, type=UnitRef()),
        Column("person", "责任人", type=PersonRef()),
        Column("measures", "整改措施", type=Text(500)),
        Column("deadline", "整改时限", aliases=("整改期限",), type=TimeLimit()),
        Column("progress", "整改情况", aliases=("整改进展",), type=Text(200)),
        Column("completed_on", "完成时间", aliases=("整改完成时间",), type=Date(month_ok=False)),
        Column("closed", "是否销号", aliases=("销号",), type=YesNo()),
    ),
)
