"""The demo district's key-project ledgers (重点项目台账) for 2017 and 2021: plain data, no models, no database.

``demo.py`` feeds these records through the services. Everything is deterministic: each ledger is drawn by one
``random.Random`` with a fixed seed from the tables below and cached.

Where the figures come from (``/work/shared/seeds``):

- **2017, the "project-construction year" (003)**: "全区共梳理了150个重大项目，总投资3216亿元，今年计划完成投资446亿元"
  → 150 projects, total 32,160,000 万元, planned 4,460,000 万元. Its sections name the categories and two of them
  exactly: 45 industrial projects (产业项目) with 11,750,000 total and 1,260,000 planned, 32 ecological projects
  (生态项目) with 1,113,000 and 310,000. The other three sections (新型城镇化, 基础设施, 社会民生) share the
  remainder as set in ``BUDGETS_2017``; the 32 shanty-town projects plan more than 2,100,000 ("确保完成年度投资
  210亿元以上"). Named projects and their state come from the same report: roads to start (大顺路, 同心路), to
  speed up (鼎盛大道, 渠南路) or to open this year (长江西路, 双铁路); schools to finish (81中, 渠南路一小); the
  resettlement estates; 郑州CSD, 花花牛二期, 田园小镇, 河南网商园三期.
- **The city-upgrading programme (百城建设提质工程, 004, November 2017)**: "7大类94个项目，整体投资进度为75.7%"
  → 94 of the 2017 projects, in seven programme categories, and their year-to-date investment at October is 75.7%
  of their planned investment. The report does not list the seven categories; ``PROGRAMMES`` takes them from its
  own text: the infrastructure it opens with (roads; utilities 水电气暖网; public services; old compounds and
  shanty towns) and its "four articles" (以绿荫城/以水润城 → greening and water, 以文化城 → culture,
  以业兴城 → industry). The same report names the projects signed in 2017 (中德国际高端医疗健康产业集群,
  万科健康医疗养生小镇, 中物军民融合产业园) and those still being negotiated (奥吉通国际汽车博览园,
  郑西国际会展中心综合体, 保利·豫见里).
- **2021 Q1 (002)**: the inspection tour of 1 April 2021 visited named sites in two groups; every one is a
  project of the 2021 ledger under its real name, with the 二七商圈区域城市复兴工程 and the 二七广场下穿隧道
  that the same pages mention. The ledger runs January to March (``last_month=3``).

Decided here, not in the seeds: the split of the remainder over the other three categories, every other project
name (plausible for the district), all dates, people and amounts below the category level, the campaigns' dates
(the seeds name the "三个一批" practice but no date), and the spread of leaders and laggards: at the anchor
month (October 2017, March 2021) about a quarter of the projects are ahead of the time-elapsed share, two fifths
within ten points of it, a fifth 10–30 points behind and the rest further behind or with an overdue milestone.

Money is in 万元: totals and plans in whole 万元, year-to-date figures in whole 万元 (one decimal for plans under
1,000 万元). Coordinates are WGS-84 inside the district outline of ``org/data/district.py``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from taizhang.org.data.district import BOUNDARY, DEPARTMENTS, LOCAL_UNITS, UNIT_SEEDS

# --- the records demo.py reads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedCategory:
    code: str
    name: str


@dataclass(frozen=True)
class SeedProgramme:
    code: str
    name: str
    categories: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SeedMonth:
    month: int
    ytd: Decimal
    progress: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class SeedMilestone:
    name: str
    planned: dt.date
    done: dt.date | None


@dataclass(frozen=True)
class SeedProcedure:
    name: str
    status: str
    permit_number: str
    date: dt.date | None


@dataclass(frozen=True)
class SeedProject:
    code: str
    name: str
    owner: str
    category: str
    importance: str
    programmes: tuple[tuple[str, str], ...]
    nature: str
    stage: str
    stage_history: tuple[tuple[str, dt.date], ...]
    address: str
    longitude: Decimal
    latitude: Decimal
    scale: str
    total_investment: Decimal
    completed_before: Decimal
    planned_investment: Decimal
    progress_goal: str
    planned_start: dt.date | None
    planned_completion: dt.date | None
    actual_start: dt.date | None
    actual_completion: dt.date | None
    plan_start_in_year: bool
    plan_complete_in_year: bool
    responsible_unit: str
    cooperating_units: tuple[str, ...]
    leader: str
    procedures: tuple[SeedProcedure, ...]
    milestones: tuple[SeedMilestone, ...]
    months: tuple[SeedMonth, ...]


@dataclass(frozen=True)
class SeedCampaign:
    name: str
    kind: str
    date: dt.date
    place: str
    project_codes: tuple[str, ...]


@dataclass(frozen=True)
class SeedLedger:
    year: int
    projects: tuple[SeedProject, ...]
    campaigns: tuple[SeedCampaign, ...]
    last_month: int


# --- configuration ---------------------------------------------------------------------------------------

# The ledger's categories, in the order of the 2017 report's sections (003), with their code prefixes.
CATEGORIES: tuple[SeedCategory, ...] = (
    SeedCategory("ecological", "生态项目"),
    SeedCategory("urbanization", "新型城镇化项目"),
    SeedCategory("industrial", "产业项目"),
    SeedCategory("infrastructure", "基础设施项目"),
    SeedCategory("livelihood", "社会民生项目"),
)
CODE_PREFIXES = {
    "ecological": "ST",
    "urbanization": "CZ",
    "industrial": "CY",
    "infrastructure": "JC",
    "livelihood": "MS",
}

CITY_UPGRADING = "city-upgrading"
PROGRAMMES: tuple[SeedProgramme, ...] = (
    SeedProgramme(
        CITY_UPGRADING,
        "百城建设提质工程",
        (
            ("roads", "道路交通"),
            ("utilities", "市政设施"),
            ("renewal", "棚户区和老旧小区改造"),
            ("services", "公共服务设施"),
            ("greening", "园林绿化和水系"),
            ("culture", "历史文化"),
            ("industry", "产业支撑"),
        ),
    ),
)

# --- kinds of project: size, who runs them, how they are described ---------------------------------------

# A responsible or cooperating unit "@" is the local unit (街道/镇/乡/管委会) where the project is.
HERE = "@"


@dataclass(frozen=True)
class Kind:
    low: int  # range of total investment, 万元 (drawn log-uniformly)
    high: int
    group: str  # key of MILESTONE_STEPS and PROCEDURES
    units: tuple[str, ...]  # candidate responsible units
    partners: tuple[str, ...]  # candidate cooperating units
    owners: tuple[str, ...]  # "@CODE": that unit's name; "{stem}": an enterprise name stem
    scale: str  # 建设规模: {q} is total ÷ cost, {w} a road width
    cost: tuple[float, float]  # 万元 per unit of {q}
    enterprise: bool = False  # attracted investment: negotiated and signed before preparation


_CITY_INVEST = "郑州市二七区城市建设投资有限公司"
_ECO_INVEST = "郑州市二七区生态建设投资有限公司"
_HOUSING = "郑州市二七区安居建设有限公司"

KINDS: dict[str, Kind] = {
    "road": Kind(
        3_000, 60_000, "road", ("ZJJ", "ZJJ", "JTJ"), ("ZRZY", HERE, "CGJ", "JTJ"), (_CITY_INVEST, "@ZJJ"),
        "道路全长约{q}米，红线宽度{w}米，建设道路、雨污水管网、照明、绿化及交通设施等工程", (2.5, 6.0),
    ),
    "tunnel": Kind(
        30_000, 150_000, "road", ("ZJJ",), ("JTJ", "GAJ", "CGJ", HERE), (_CITY_INVEST,),
        "隧道全长约{q}米，双向四车道，同步实施管线迁改、排水及交通设施工程", (30.0, 60.0),
    ),
    "school": Kind(
        5_000, 25_000, "build", ("JYJ",), ("ZJJ", "ZRZY", HERE), ("@JYJ",),
        "总建筑面积约{q}平方米，建设教学楼、综合楼、风雨操场及配套设施", (0.35, 0.5),
    ),
    "service": Kind(
        2_000, 12_000, "build", (HERE,), ("ZJJ", "MZJ", "ZRZY"), ("@" + HERE,),
        "总建筑面积约{q}平方米，建设便民服务大厅、社区服务及文体活动用房", (0.4, 0.6),
    ),
    "parking": Kind(
        1_000, 8_000, "plant", ("TGZX",), ("JTJ", "GAJ", HERE), ("@TGZX",),
        "建设智慧停车场及停车诱导系统，新增停车泊位约{q}个", (2.0, 5.0),
    ),
    "hospital": Kind(
        3_000, 60_000, "build", ("WJW",), ("ZJJ", "ZRZY", "CZJ"), ("@WJW",),
        "总建筑面积约{q}平方米，建设门诊、医技、住院等医疗用房及配套设施", (0.5, 0.8),
    ),
    "eldercare": Kind(
        1_000, 12_000, "build", ("MZJ", "CL"), ("WJW", "CZJ", HERE), ("@MZJ",),
        "总建筑面积约{q}平方米，建设养老照护、康复、日间照料等用房", (0.4, 0.6),
    ),
    "venue": Kind(
        5_000, 40_000, "build", ("WGLJ",), ("ZJJ", "ZRZY", "CZJ"), ("@WGLJ",),
        "总建筑面积约{q}平方米，建设场馆、活动用房及室外配套设施", (0.5, 0.8),
    ),
    "housing": Kind(
        10_000, 60_000, "housing", ("ZJJ",), ("ZRZY", "CZJ", HERE), (_HOUSING,),
        "总建筑面积约{q}平方米，建设公共租赁住房及配套设施", (0.3, 0.45),
    ),
    "pipe": Kind(
        20_000, 80_000, "road", ("CGJ",), ("ZJJ", "ZRZY", HERE), (_CITY_INVEST,),
        "建设综合管廊约{q}米，纳入给水、电力、通信、热力等管线", (8.0, 15.0),
    ),
    "garden": Kind(
        300, 2_000, "green", (HERE, "YLJ"), ("YLJ", "ZRZY", "CGJ"), ("@YLJ", "@" + HERE),
        "占地约{q}平方米，建设园路、休闲广场、健身设施及绿化景观", (0.03, 0.06),
    ),
    "park": Kind(
        10_000, 150_000, "green", ("YLJ",), ("ZRZY", HERE, "SLJ", "CZJ"), (_ECO_INVEST, "@YLJ"),
        "规划面积约{q}万平方米，建设园路、广场、景观节点、水系及配套服务设施", (300.0, 500.0),
    ),
    "village": Kind(
        1_000, 8_000, "green", (HERE,), ("NYJ", "YLJ", "WGLJ"), ("@" + HERE,),
        "整治村容村貌，建设游园、道路、污水收集及民宿配套，涉及农户约{q}户", (4.0, 10.0),
    ),
    "corridor": Kind(
        3_000, 40_000, "green", ("YLJ", HERE), ("ZRZY", "CGJ", HERE), (_ECO_INVEST, "@YLJ"),
        "绿化面积约{q}万平方米，建设绿道、游园及景观节点", (150.0, 300.0),
    ),
    "wetland": Kind(
        50_000, 300_000, "green", ("YLJ", "SLJ"), ("ZRZY", HERE, "WGLJ"), (_ECO_INVEST,),
        "规划面积约{q}万平方米，建设湿地、水系、生态岛、游览步道及服务设施", (250.0, 450.0),
    ),
    "water": Kind(
        10_000, 200_000, "water", ("SLJ",), ("HBJ", HERE, "YLJ", "CGJ"), ("@SLJ", "郑州市二七区水务投资有限公司"),
        "治理河道约{q}公里，建设截污管网、生态护岸、滨水绿道及景观工程", (3_000.0, 8_000.0),
    ),
    "sanitation": Kind(
        2_000, 30_000, "plant", ("CGJ",), ("HBJ", "ZRZY", HERE), ("@CGJ",),
        "建设处理及转运设施，设计处理规模约{q}吨/日", (10.0, 30.0),
    ),
    "air": Kind(
        1_000, 20_000, "plant", ("DQB",), ("HBJ", "ZFJ", "SCJ"), ("@DQB",),
        "实施清洁能源替代及扬尘在线监测，覆盖治理点位约{q}处", (15.0, 40.0),
    ),
    "shanty": Kind(
        100_000, 1_500_000, "shanty", (HERE,), ("ZJJ", "ZRZY", "CZJ"), ("郑州{stem}置业有限公司",),
        "改造范围约{q}亩，拆除旧房后建设安置房、商品房及学校、社区服务等配套设施", (800.0, 1_500.0),
    ),
    "resettle": Kind(
        50_000, 300_000, "housing", (HERE,), ("ZJJ", "ZRZY", "CZJ"), (_HOUSING,),
        "总建筑面积约{q}万平方米，建设安置房及配套设施", (3_000.0, 4_500.0),
    ),
    "renewal": Kind(
        1_000, 20_000, "renewal", (HERE,), ("ZJJ", "CGJ", "JXB"), ("@" + HERE, "@ZJJ"),
        "改造老旧小区约{q}个，建设内容包括管网改造、外墙保温、屋面防水、道路硬化及绿化亮化等", (300.0, 800.0),
    ),
    "revival": Kind(
        150_000, 500_000, "renewal", (HERE,), ("ZJJ", "CGJ", "SWJ", "ZFJ"), (_CITY_INVEST,),
        "实施区域道路综合整治、建筑立面改造、老旧小区改造及地下空间开发，改造范围约{q}万平方米",
        (1_000.0, 2_000.0),
    ),
    "factory": Kind(
        20_000, 300_000, "build", (HERE, "GXJ", "FGW"), ("GXJ", "FGW", "ZRZY", "TZCJ"),
        ("郑州{stem}科技有限公司", "河南{stem}实业有限公司", "郑州{stem}智能装备有限公司"),
        "占地约{q}亩，建设生产车间、研发中心及配套设施", (200.0, 400.0), enterprise=True,
    ),
    "logistics": Kind(
        30_000, 300_000, "build", (HERE, "SWJ"), ("SWJ", "FGW", "ZRZY"),
        ("河南{stem}供应链管理有限公司", "郑州{stem}物流有限公司"),
        "占地约{q}亩，建设智能仓储、分拣中心、办公及配套设施", (150.0, 300.0), enterprise=True,
    ),
    "commerce": Kind(
        100_000, 1_000_000, "build", (HERE, "SWJ", "TZCJ", "FGW"), ("SWJ", "ZRZY", "TZCJ", "FGW"),
        ("郑州{stem}置业有限公司", "河南{stem}商业管理有限公司"),
        "总建筑面积约{q}万平方米，建设商业综合体、写字楼及配套设施", (5_000.0, 9_000.0), enterprise=True,
    ),
    "office": Kind(
        30_000, 400_000, "build", (HERE, "TZCJ"), ("TZCJ", "SWJ", "ZRZY"),
        ("郑州{stem}实业有限公司", "河南{stem}控股有限公司"),
        "总建筑面积约{q}万平方米，建设甲级写字楼及总部办公设施", (6_000.0, 10_000.0), enterprise=True,
    ),
    "culture": Kind(
        20_000, 500_000, "build", (HERE, "WGLJ"), ("WGLJ", "SWJ", "ZRZY"),
        ("郑州{stem}文化旅游发展有限公司", "河南{stem}文化产业有限公司"),
        "规划用地约{q}亩，建设文化展示、休闲旅游、商业及配套设施", (300.0, 800.0), enterprise=True,
    ),
    "studio": Kind(
        5_000, 50_000, "build", (HERE, "KJJ", "WGLJ"), ("KJJ", "WGLJ", "SWJ", "ZRZY"),
        ("郑州{stem}文化创意有限公司", "河南{stem}科技孵化器有限公司"),
        "总建筑面积约{q}平方米，建设创意办公、孵化、展示及配套用房", (0.4, 0.8), enterprise=True,
    ),
    "telecom": Kind(
        20_000, 80_000, "build", ("GXJ",), ("DSJ", "ZRZY", HERE), ("中国电信股份有限公司郑州分公司",),
        "总建筑面积约{q}平方米，建设通信机房、数据中心及配套用房", (0.6, 1.0), enterprise=True,
    ),
}  # fmt: skip

# Steps of a construction plan, in order; the last is the completion.
MILESTONE_STEPS: dict[str, tuple[str, ...]] = {
    "build": (
        "完成土方开挖及基坑支护",
        "基础施工完成",
        "主体结构出正负零",
        "主体结构封顶",
        "二次结构及机电安装完成",
        "外立面及室内装饰完成",
        "竣工验收",
    ),
    "road": ("管线迁改完成", "路基工程完成", "雨污水管网敷设完成", "路面基层施工完成", "沥青面层摊铺完成", "交工验收"),
    "green": ("完成拆迁清表", "土方造型完成", "园路及广场铺装完成", "乔灌木栽植完成", "配套设施完成", "竣工验收"),
    "water": ("截污管网施工完成", "河道清淤完成", "生态护岸施工完成", "滨水绿道施工完成", "竣工验收"),
    "plant": ("完成设备采购招标", "土建施工完成", "设备安装完成", "调试运行完成", "竣工验收"),
    "shanty": (
        "完成房屋征收签约",
        "完成拆迁清表",
        "安置房基础施工完成",
        "安置房主体结构封顶",
        "安置房配套工程完成",
        "回迁安置",
    ),
    "housing": ("基础施工完成", "主体结构封顶", "二次结构及安装完成", "室外配套工程完成", "竣工验收"),
    "renewal": (
        "完成入户调查及改造方案",
        "地下管网改造完成",
        "外墙保温及屋面防水完成",
        "道路硬化及绿化亮化完成",
        "竣工验收",
    ),
}
START_STEP = "开工建设"

# Approvals by group: (name, needed). Enterprise projects use ENTERPRISE_PROCEDURES.
PROCEDURES: dict[str, tuple[tuple[str, bool], ...]] = {
    "build": (
        ("项目立项批复", True),
        ("建设用地规划许可证", True),
        ("建设工程规划许可证", True),
        ("环境影响评价批复", True),
        ("建筑工程施工许可证", True),
    ),
    "housing": (
        ("项目立项批复", True),
        ("建设用地规划许可证", True),
        ("建设工程规划许可证", True),
        ("建筑工程施工许可证", True),
    ),
    "shanty": (
        ("项目立项批复", True),
        ("房屋征收决定", True),
        ("建设用地规划许可证", True),
        ("建设工程规划许可证", True),
        ("建筑工程施工许可证", True),
    ),
    "road": (
        ("项目立项批复", True),
        ("建设用地规划许可证", True),
        ("初步设计批复", True),
        ("环境影响评价批复", False),
        ("建筑工程施工许可证", True),
    ),
    "green": (("项目立项批复", True), ("可行性研究报告批复", True), ("初步设计批复", True), ("施工图审查", True)),
    "water": (("项目立项批复", True), ("初步设计批复", True), ("环境影响评价批复", True), ("施工图审查", True)),
    "plant": (("项目立项批复", True), ("环境影响评价批复", True), ("建筑工程施工许可证", True)),
    "renewal": (("项目立项批复", True), ("建设用地规划许可证", False), ("施工图审查", True)),
}
ENTERPRISE_PROCEDURES: tuple[tuple[str, bool], ...] = (
    ("项目备案", True),
    ("国有建设用地使用权出让合同", True),
    ("不动产权证书（土地）", True),
    ("建设用地规划许可证", True),
    ("建设工程规划许可证", True),
    ("环境影响评价批复", True),
    ("建筑工程施工许可证", True),
)
PERMIT_FORMATS: dict[str, str] = {
    "项目立项批复": "二七发改〔{y}〕{n}号",
    "项目备案": "{y}-410103-{n:06d}",
    "可行性研究报告批复": "二七发改投资〔{y}〕{n}号",
    "初步设计批复": "二七发改设计〔{y}〕{n}号",
    "房屋征收决定": "二七政征〔{y}〕{n}号",
    "国有建设用地使用权出让合同": "郑国土出让〔{y}〕{n}号",
    "不动产权证书（土地）": "豫（{y}）郑州市不动产权第{n:07d}号",
    "建设用地规划许可证": "地字第410103{y}{n:05d}号",
    "建设工程规划许可证": "建字第410103{y}{n:05d}号",
    "环境影响评价批复": "二环审〔{y}〕{n}号",
    "施工图审查": "郑施审（{y}）{n:04d}号",
    "建筑工程施工许可证": "410103{ymd}{m:02d}01",
}

# Enterprise name stems (fictional).
STEMS = (
    "恒达", "金鼎", "华信", "博瑞", "嘉禾", "天瑞", "正星", "鼎盛", "宏图", "瑞丰", "盛世", "中联", "远航", "锦华",
    "国泰", "华晟", "祥和", "信达", "中辰", "昊天", "景泰", "德润", "汇通", "鑫源", "泰和", "弘润", "启明", "海纳",
    "华耀", "永盛", "安泰", "龙腾", "卓远", "佳和", "宏业", "嵩岳", "豫峰", "天成", "康瑞", "明德", "润泽", "广厦",
    "兴和", "聚诚", "嘉运", "长盛", "裕丰", "同创", "恒瑞", "金港", "华安", "瑞祥", "中宇", "天悦", "宏达", "亿丰",
    "元亨", "盛和", "旭升", "宇鑫", "光大", "君泰", "博文", "永安", "金穗", "晨光", "华通", "欣荣", "东方", "嘉华",
    "瑞和", "金茂", "新盛", "正通", "汇丰", "和盛", "鼎泰", "中天", "豫龙", "名城", "凯旋", "福瑞",
)  # fmt: skip

# Roads near each local unit, for addresses: (north–south roads, east–west roads).
STREETS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "HHL": (("大学路", "政通路"), ("淮河东路", "长江东路")),
    "JFL": (("二七路", "德化街"), ("解放路", "西太康路")),
    "MGL": (("铭功路",), ("解放路", "大同路")),
    "YML": (("一马路", "兴华北街"), ("福寿街", "解放路")),
    "MFZ": (("京广路",), ("陇海中路", "淮河路")),
    "WLB": (("兴华南街",), ("陇海西路", "淮河西路")),
    "DXL": (("大学路", "政通路"), ("陇海中路", "航海中路")),
    "JZJ": (("嵩山路", "碧云路"), ("建中街", "庆丰街")),
    "FHJ": (("京广路", "兴华南街"), ("福华街", "汝河路")),
    "DHJ": (("德化街", "二七路"), ("正兴街", "解放路")),
    "RHL": (("大学路", "政通路"), ("淮河路", "陇海中路")),
    "CJL": (("京广路", "嵩山路"), ("长江路", "航海中路")),
    "JGL": (("京广南路",), ("齐礼阎路", "航海路", "南三环")),
    "SSL": (("嵩山南路",), ("长江西路", "航海西路")),
    "MZZ": (("西四环", "双铁路"), ("航海西路", "南四环")),
    "HZX": (("大学南路", "嵩山南路"), ("南四环", "侯寨路", "郑密路")),
    "YTG": (("樱桃沟路",), ("侯寨路", "郑登快速路")),
    "MZCY": (("经三路", "经五路"), ("纬一路", "纬四路")),
}
CORNERS = ("东南角", "西南角", "东北角", "西北角", "东侧", "西侧", "南侧", "北侧")

# Responsible leaders (names from org/data/district.py LEADERS) by category; the biggest projects go to the top two.
TOP_LEADERS = ("陈立群", "苏文博")
CATEGORY_LEADERS: dict[str, tuple[str, ...]] = {
    "industrial": ("刘志强", "李国栋"),
    "urbanization": ("张秀梅", "赵明远"),
    "infrastructure": ("赵明远", "李国栋"),
    "ecological": ("孙丽娟", "王建华"),
    "livelihood": ("孙丽娟", "周海涛"),
}
CULTURE_LEADER = "吴晓东"


# --- the ledgers' tables ---------------------------------------------------------------------------------


class Row(NamedTuple):
    """One project of a year's table.

    ``plan`` says what the year holds for it: ``new`` starts this year, ``new+done`` starts and finishes,
    ``cont`` continues, ``done`` finishes this year; ``prep`` is in preparation, ``signed`` signed, ``talks``
    under negotiation (these three plan no investment this year and send no reports). ``upgrade`` is the
    project's city-upgrading programme category, "" when outside the programme.
    """

    name: str
    place: str
    kind: str
    plan: str
    upgrade: str = ""


R = Row
PLANS = ("new", "new+done", "cont", "done", "prep", "signed", "talks")
NO_PLAN = frozenset({"prep", "signed", "talks"})

# (category, projects, total investment, planned investment) in 万元 — the first two are stated by seed 003.
BUDGETS_2017: dict[str, tuple[int, int, int]] = {
    "ecological": (32, 1_113_000, 310_000),
    "urbanization": (40, 18_380_000, 2_440_000),
    "industrial": (45, 11_750_000, 1_260_000),
    "infrastructure": (23, 800_000, 400_000),
    "livelihood": (10, 117_000, 50_000),
}

TABLE_2017: dict[str, tuple[Row, ...]] = {
    "ecological": (
        R("南水北调生态文化公园（二七段）剩余段绿化工程", "HZX", "park", "cont", "greening"),
        R("京沙快速路南延生态廊道工程", "MZZ", "corridor", "cont", "greening"),
        R("大学南路生态廊道工程", "HZX", "corridor", "cont", "greening"),
        R("郑登快速通道生态廊道提升工程", "HZX", "corridor", "done", "greening"),
        R("南四环生态廊道（二七段）工程", "HZX", "corridor", "new+done", "greening"),
        R("贾鲁河生态湿地公园", "HZX", "wetland", "new", "greening"),
        R("二七公园及文化中心项目", "CJL", "park", "new", "greening"),
        R("滨湖公园建设工程", "HZX", "park", "cont", "greening"),
        R("贾鲁河综合治理工程（二七段）", "HZX", "water", "new", "greening"),
        R("西南水系连通工程（二七段）", "MZZ", "water", "prep", "greening"),
        R("“凤湖”生态休闲风景区", "HZX", "wetland", "prep", "greening"),
        R("金水河二七段综合治理工程", "JFL", "water", "cont", "greening"),
        R("熊耳河二七段截污治理工程", "CJL", "water", "done", "greening"),
        R("十七里河（二七段）综合治理工程", "JGL", "water", "cont", "greening"),
        R("尖岗水库水源地保护工程", "HZX", "water", "new"),
        R("常庄水库生态修复工程", "HZX", "water", "new+done", "greening"),
        R("樱桃沟生态廊道及郊野公园", "YTG", "park", "cont", "greening"),
        R("侯寨郊野公园", "HZX", "park", "new", "greening"),
        R("马寨镇郊野公园", "MZZ", "park", "new", "greening"),
        R("碧云路游园建设工程", "JZJ", "garden", "new+done", "greening"),
        R("汝河路游园建设工程", "FHJ", "garden", "new+done", "greening"),
        R("政通路游园建设工程", "DXL", "garden", "new+done", "greening"),
        R("陇海中路街角游园建设工程", "DXL", "garden", "new+done", "greening"),
        R("京广南路防护绿地工程", "JGL", "corridor", "new+done", "greening"),
        R("嵩山南路绿化提升工程", "SSL", "corridor", "done", "greening"),
        R("铁路沿线（二七段）绿化提升工程", "WLB", "corridor", "new+done", "greening"),
        R("南三环立交绿化提升工程", "JGL", "corridor", "done", "greening"),
        R("二七区垃圾中转站新建工程", "MFZ", "sanitation", "new", "utilities"),
        R("二七区建筑垃圾资源化利用项目", "MZZ", "sanitation", "cont"),
        R("二七区燃煤锅炉拆改及清洁能源替代工程", "MGL", "air", "done"),
        R("二七区扬尘污染在线监控系统建设项目", "RHL", "air", "new+done"),
        R("马寨产业集聚区污水处理厂提标改造工程", "MZCY", "sanitation", "cont", "utilities"),
    ),
    "urbanization": (
        R("郑州绿地城棚户区改造项目", "HZX", "shanty", "cont", "renewal"),
        R("万科大都会棚户区改造项目", "JGL", "shanty", "cont", "renewal"),
        R("齐礼阎村棚户区改造项目", "JGL", "shanty", "done", "renewal"),
        R("小李庄村棚户区改造项目", "JGL", "shanty", "cont", "renewal"),
        R("冯庄村棚户区改造项目", "SSL", "shanty", "cont", "renewal"),
        R("五里堡片区棚户区改造项目", "WLB", "shanty", "cont", "renewal"),
        R("后河芦村棚户区改造项目", "JGL", "shanty", "cont", "renewal"),
        R("郭庄村棚户区改造项目", "HZX", "shanty", "cont", "renewal"),
        R("王立砦村棚户区改造项目", "SSL", "shanty", "new", "renewal"),
        R("大岗刘村棚户区改造项目", "HZX", "shanty", "new"),
        R("尖岗村棚户区改造项目", "HZX", "shanty", "prep"),
        R("张魏寨村棚户区改造项目", "HZX", "shanty", "cont", "renewal"),
        R("罗沟村棚户区改造项目", "HZX", "shanty", "new", "renewal"),
        R("马寨村棚户区改造项目", "MZZ", "shanty", "cont", "renewal"),
        R("王庄村棚户区改造项目", "MZZ", "shanty", "cont", "renewal"),
        R("丁岗村棚户区改造项目", "MZZ", "shanty", "new"),
        R("钓鱼台村棚户区改造项目", "MZZ", "shanty", "cont"),
        R("水磨村棚户区改造项目", "MZZ", "shanty", "cont", "renewal"),
        R("铁路职工住宅片区棚户区改造项目", "YML", "shanty", "cont", "renewal"),
        R("陇西小区片区棚户区改造项目", "WLB", "shanty", "new", "renewal"),
        R("长江路北片区棚户区改造项目", "CJL", "shanty", "cont", "renewal"),
        R("淮河路片区棚户区改造项目", "HHL", "shanty", "cont", "renewal"),
        R("大学路南片区棚户区改造项目", "DXL", "shanty", "done", "renewal"),
        R("福华街片区棚户区改造项目", "FHJ", "shanty", "cont", "renewal"),
        R("建中街片区棚户区改造项目", "JZJ", "shanty", "new", "renewal"),
        R("蜜蜂张片区棚户区改造项目", "MFZ", "shanty", "cont", "renewal"),
        R("人和路片区棚户区改造项目", "RHL", "shanty", "cont"),
        R("解放路西片区棚户区改造项目", "JFL", "shanty", "new", "renewal"),
        R("侯寨村棚户区改造项目", "HZX", "shanty", "cont"),
        R("刘庄村棚户区改造项目", "HZX", "shanty", "new"),
        R("樱桃沟村棚户区改造项目", "YTG", "shanty", "prep"),
        R("马寨镇新村棚户区改造项目", "MZZ", "shanty", "cont"),
        R("王胡砦安置房建设项目", "MZZ", "resettle", "new", "renewal"),
        R("贾砦安置房建设项目", "MZZ", "resettle", "new", "renewal"),
        R("刘胡垌安置区品质提升项目", "HZX", "resettle", "cont", "renewal"),
        R("张寨安置区品质提升项目", "HZX", "resettle", "cont", "renewal"),
        R("侯寨滨河花园安置区建设项目", "HZX", "resettle", "cont", "renewal"),
        R("二七新区南安置区建设项目", "HZX", "resettle", "done", "renewal"),
        R("二七新区北安置区建设项目", "MZZ", "resettle", "done", "renewal"),
        R("荆胡安置区建设项目", "HZX", "resettle", "done"),
    ),
    "industrial": (
        R("郑州CSD时尚商贸中心", "HZX", "commerce", "cont"),
        R("花花牛乳业二期项目", "MZCY", "factory", "cont"),
        R("二七田园小镇项目", "HZX", "culture", "cont"),
        R("河南网商园三期", "MZZ", "logistics", "cont"),
        R("中德国际高端医疗健康产业集群", "HZX", "factory", "signed"),
        R("万科健康医疗养生小镇", "HZX", "culture", "signed"),
        R("中物军民融合产业园", "MZCY", "factory", "signed"),
        R("奥吉通国际汽车博览园", "MZZ", "commerce", "talks"),
        R("郑西国际会展中心综合体", "MZZ", "commerce", "talks"),
        R("保利·豫见里项目", "DHJ", "culture", "talks", "culture"),
        R("百年德化历史文化片区工程", "DHJ", "culture", "cont", "culture"),
        R("郑州古玩城片区升级改造项目", "DXL", "culture", "new", "culture"),
        R("郑商瓷文化创意产业园", "HZX", "studio", "new", "culture"),
        R("航海中路城市综合体（二期）", "CJL", "commerce", "done"),
        R("郑州名扬窗饰遮阳节能产业基地（一期）", "MZCY", "factory", "new"),
        R("上林置业二七总部大厦", "CJL", "office", "cont"),
        R("瑞光创意工厂", "SSL", "studio", "new+done"),
        R("樱桃沟景区提质升级项目", "YTG", "culture", "cont"),
        R("二七区跨境电商产业园", "MZZ", "logistics", "new"),
        R("马寨产业集聚区智能装备产业园", "MZCY", "factory", "cont", "industry"),
        R("马寨食品产业园提档升级项目", "MZCY", "factory", "cont", "industry"),
        R("二七科技创业园", "SSL", "office", "new", "industry"),
        R("二七区楼宇经济总部港", "CJL", "office", "cont"),
        R("大学路商务中心", "DXL", "office", "done"),
        R("银基商贸城升级改造项目", "YML", "commerce", "cont"),
        R("二七区商贸物流园（市场外迁承接）", "MZZ", "logistics", "new"),
        R("火车站西广场商业综合体", "YML", "commerce", "prep"),
        R("京广路总部经济带（一期）", "JGL", "office", "cont"),
        R("二七新区医疗器械产业园", "MZCY", "factory", "prep"),
        R("郑州西南智慧物流港", "MZZ", "logistics", "cont"),
        R("二七区汽车后市场产业园", "MZZ", "commerce", "new"),
        R("豫商国际家居博览城", "MZZ", "commerce", "cont"),
        R("侯寨乡特色农业观光园", "HZX", "culture", "new+done"),
        R("樱桃沟民宿集群项目", "YTG", "culture", "new"),
        R("二七区金融集聚区", "CJL", "office", "signed"),
        R("恒达精密机械智能化改造项目", "MZCY", "factory", "done"),
        R("德化步行街商业提升项目", "DHJ", "commerce", "done"),
        R("二七商圈地下商业空间开发项目", "DHJ", "commerce", "prep"),
        R("郑州国际汽车零部件产业园", "MZCY", "factory", "new"),
        R("二七区云计算大数据产业园", "SSL", "office", "signed"),
        R("二七区文化创意产业园", "JZJ", "studio", "cont"),
        R("马寨产业集聚区新材料产业园", "MZCY", "factory", "new"),
        R("淮河路电子商务孵化基地", "HHL", "studio", "new"),
        R("郑州二七国际商贸中心", "CJL", "commerce", "cont"),
        R("嵩山南路商业综合体", "SSL", "commerce", "prep"),
    ),
    "infrastructure": (
        R("大顺路（嵩山南路—大学南路）道路工程", "HZX", "road", "new", "roads"),
        R("同心路（京广南路—大学南路）道路工程", "HZX", "road", "new", "roads"),
        R("鼎盛大道（嵩山南路—京广南路）道路工程", "HZX", "road", "cont", "roads"),
        R("渠南路（大学南路—京广南路）道路工程", "JGL", "road", "cont", "roads"),
        R("长江西路（嵩山路—西四环）道路工程", "MZZ", "road", "done", "roads"),
        R("双铁路（航海西路—长江西路）道路工程", "SSL", "road", "done", "roads"),
        R("航海西路（西三环—西四环）道路提升工程", "MZZ", "road", "done", "roads"),
        R("嵩山南路（南三环—南四环）道路提升工程", "SSL", "road", "new+done", "roads"),
        R("大学南路（南三环—南四环）综合改造工程", "HZX", "road", "cont", "roads"),
        R("兴华南街（航海路—南三环）道路工程", "FHJ", "road", "new+done", "roads"),
        R("侯寨路（郑密路—大学南路）道路工程", "HZX", "road", "new", "roads"),
        R("马寨产业集聚区纬四路（经三路—经五路）道路工程", "MZCY", "road", "new+done", "roads"),
        R("马寨产业集聚区经五路（纬一路—纬四路）道路工程", "MZCY", "road", "cont", "roads"),
        R("政通路（航海路—南三环）道路改造工程", "DXL", "road", "done", "roads"),
        R("京广南路（南三环—南四环）辅道提升工程", "JGL", "road", "new+done", "roads"),
        R("长江东路第二小学建设项目", "HHL", "school", "new", "services"),
        R("滨河花园实验小学建设项目", "HZX", "school", "new", "services"),
        R("郑州市第八十一中学新校区建设项目", "JGL", "school", "done", "services"),
        R("渠南路第一小学建设项目", "JGL", "school", "done", "services"),
        R("二七区实验幼儿园南部分园建设项目", "HZX", "school", "new+done", "services"),
        R("滨河花园便民服务中心建设项目", "HZX", "service", "done", "services"),
        R("程炉便民服务中心建设项目", "MZZ", "service", "done", "services"),
        R("二七新区地下综合管廊（一期）工程", "HZX", "pipe", "cont", "utilities"),
    ),
    "livelihood": (
        R("二七区社区综合养老服务中心建设项目", "DXL", "eldercare", "new+done", "services"),
        R("二七区人民医院门急诊综合楼建设项目", "JZJ", "hospital", "cont", "services"),
        R("二七区妇幼保健院新院区建设项目", "HZX", "hospital", "new", "services"),
        R("二七区全民健身中心建设项目", "CJL", "venue", "cont"),
        R("二七区老旧小区综合整治项目（2017年度）", "RHL", "renewal", "new+done", "renewal"),
        R("德化街片区老旧小区改造提升项目", "DHJ", "renewal", "new+done", "renewal"),
        R("二七区残疾人托养中心（阳光家园）建设项目", "WLB", "eldercare", "done"),
        R("二七区社区卫生服务中心标准化建设项目", "MGL", "hospital", "new+done"),
        R("二七区公共租赁住房（二期）建设项目", "MZZ", "housing", "cont"),
        R("二七区文化馆图书馆新馆建设项目", "HZX", "venue", "new", "services"),
    ),
}

# The projects the seeds name with their owners.
OWNERS: dict[str, str] = {
    "郑州名扬窗饰遮阳节能产业基地（一期）": "郑州名扬窗饰材料有限公司",
    "郑州名扬遮阳节能产业基地": "郑州名扬窗饰材料有限公司",
    "上林置业二七总部大厦": "河南上林置业有限公司",
    "嵩山大厦海一实业有限公司总部项目": "海一实业有限公司",
}

# Seed 002: the sites of the 2021 Q1 inspection tour (南部城区组 then 中心城区组), and two more projects it names.
TOUR_SITES_2021 = (
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

TABLE_2021: dict[str, tuple[Row, ...]] = {
    "ecological": (
        R("万科航海未来城“一园一路一廊”项目", "SSL", "park", "cont"),
        R("贾鲁河综合治理生态绿化工程（二七段）", "HZX", "water", "cont"),
        R("南水北调生态文化公园（二七段）提升工程", "HZX", "park", "new"),
        R("陈顶美丽乡村建设项目（二期）", "HZX", "village", "new+done"),
        R("金水河（二七段）生态修复工程", "JFL", "water", "new"),
        R("“三路一园”美丽街区提升工程（二期）", "RHL", "corridor", "new+done"),
    ),
    "urbanization": (
        R("二七商圈区域城市复兴工程", "DHJ", "revival", "cont"),
        R("二七区2021年老旧小区改造项目（一期）", "RHL", "renewal", "new+done"),
        R("齐礼阎安置房建设项目（二期）", "JGL", "resettle", "cont"),
        R("刘胡垌安置区回迁项目", "HZX", "resettle", "done"),
        R("马寨镇新村安置房建设项目", "MZZ", "resettle", "new"),
        R("政通路片区老旧小区改造提升项目", "DXL", "renewal", "new+done"),
    ),
    "industrial": (
        R("郑州名扬遮阳节能产业基地", "MZCY", "factory", "cont"),
        R("深国际北方区域总部智慧港", "MZZ", "logistics", "cont"),
        R("灏宇数字包装产业园", "MZCY", "factory", "new"),
        R("二七华侨城文化艺术中心", "HZX", "culture", "cont"),
        R("万科康养核心板块右江路片区", "HZX", "commerce", "cont"),
        R("亚星南岸大厦和南岸商务中心", "HZX", "office", "cont"),
        R("嵩山大厦海一实业有限公司总部项目", "SSL", "office", "done"),
        R("正商航海广场“双创十字街区”项目", "DXL", "commerce", "cont"),
        R("中央商务区项目", "CJL", "office", "cont"),
        R("普乐天地项目", "FHJ", "commerce", "cont"),
        R("丹尼斯大卫城二七项目", "DHJ", "commerce", "cont"),
        R("瑞光创意工厂（二期）", "SSL", "studio", "new"),
        R("二七区跨境电商产业园（二期）", "MZZ", "logistics", "new"),
        R("樱桃沟文旅融合发展项目", "YTG", "culture", "cont"),
        R("马寨产业集聚区智能制造产业园（二期）", "MZCY", "factory", "new"),
        R("二七区数字经济产业园", "SSL", "office", "signed"),
        R("郑州南部国际物流枢纽", "MZZ", "logistics", "talks"),
    ),
    "infrastructure": (
        R("中国电信郑州分公司电信枢纽楼", "HZX", "telecom", "cont"),
        R("二七广场下穿隧道工程", "DHJ", "tunnel", "cont"),
        R("大学南路（南四环—郑密路）快速化改造工程", "HZX", "road", "cont"),
        R("同心路（嵩山南路—大学南路）道路工程", "HZX", "road", "new"),
        R("长江西路（西四环—西绕城高速）道路工程", "MZZ", "road", "new+done"),
        R("二七区智慧停车场建设项目", "RHL", "parking", "new+done"),
        R("马寨产业集聚区经七路（纬一路—纬六路）道路工程", "MZCY", "road", "new"),
    ),
    "livelihood": (
        R("二七区公共卫生应急中心建设项目", "HZX", "hospital", "new"),
        R("二七区人民医院南院区建设项目", "HZX", "hospital", "cont"),
        R("长江东路第三小学建设项目", "HHL", "school", "new"),
        R("二七区南部综合养老服务中心建设项目", "HZX", "eldercare", "new+done"),
    ),
}


class CampaignRow(NamedTuple):
    name: str
    kind: str
    date: dt.date
    place: str
    projects: tuple[str, ...]  # project names


CAMPAIGNS_2017 = (
    CampaignRow(
        "二七区2017年第一批重大项目集中开工仪式",
        "starting",
        dt.date(2017, 3, 28),
        "王胡砦安置房建设项目现场",
        (
            "王胡砦安置房建设项目",
            "贾砦安置房建设项目",
            "大顺路（嵩山南路—大学南路）道路工程",
            "同心路（京广南路—大学南路）道路工程",
            "长江东路第二小学建设项目",
            "滨河花园实验小学建设项目",
            "郑州名扬窗饰遮阳节能产业基地（一期）",
            "二七区跨境电商产业园",
            "贾鲁河综合治理工程（二七段）",
            "侯寨郊野公园",
            "二七区妇幼保健院新院区建设项目",
        ),
    ),
    CampaignRow(
        "二七区2017年重大项目集中签约仪式",
        "signing",
        dt.date(2017, 6, 16),
        "二七区人民政府会议中心",
        (
            "中德国际高端医疗健康产业集群",
            "万科健康医疗养生小镇",
            "中物军民融合产业园",
            "二七区金融集聚区",
            "二七区云计算大数据产业园",
        ),
    ),
)
CAMPAIGNS_2021 = (
    CampaignRow(
        "二七区2021年第一季度重大项目集中开工活动",
        "starting",
        dt.date(2021, 3, 9),
        "灏宇数字包装产业园项目现场",
        (
            "灏宇数字包装产业园",
            "马寨产业集聚区智能制造产业园（二期）",
            "同心路（嵩山南路—大学南路）道路工程",
            "马寨镇新村安置房建设项目",
            "二七区公共卫生应急中心建设项目",
        ),
    ),
)


@dataclass(frozen=True)
class Band:
    """A share of the reporting projects and the completion rate (%) they have at the anchor month."""

    name: str
    share: float
    low: float
    high: float


@dataclass(frozen=True)
class YearSpec:
    year: int
    seed: int
    last_month: int
    anchor_month: int  # the month whose completion rates the bands set
    bands: tuple[Band, ...]
    unstarted: tuple[float, float]  # rate of a project that has not started by the anchor month
    province: int  # how many of the largest projects are province key projects
    city: int  # and how many of the next are city key projects
    programme_rate: Decimal | None = None  # city-upgrading YTD ÷ plan at the anchor month


SPEC_2017 = YearSpec(
    year=2017,
    seed=2017_1023,
    last_month=12,
    anchor_month=10,
    bands=(
        Band("ahead", 0.25, 84.5, 102.0),
        Band("green", 0.40, 74.0, 83.0),
        Band("yellow", 0.22, 54.0, 73.0),
        Band("red", 0.13, 15.0, 52.0),
    ),
    unstarted=(0.0, 8.0),
    province=8,
    city=30,
    programme_rate=Decimal("0.757"),
)
SPEC_2021 = YearSpec(
    year=2021,
    seed=2021_0401,
    last_month=3,
    anchor_month=3,
    # At March a project cannot be more than 25 points behind, so red comes from overdue milestones.
    bands=(
        Band("ahead", 0.28, 25.5, 36.0),
        Band("green", 0.45, 15.5, 24.5),
        Band("yellow", 0.15, 5.0, 14.5),
        Band("red", 0.12, 3.0, 14.0),
    ),
    unstarted=(0.0, 3.0),
    province=4,
    city=12,
)

# Share of the year's investment done in each month (construction slows at the Spring Festival and resumes in March).
SEASON = (4.0, 3.0, 8.0, 9.0, 10.0, 11.0, 9.0, 9.0, 10.0, 10.0, 9.0, 8.0)

PROBLEMS_UNSTARTED = (
    "施工许可手续尚未办结",
    "项目用地征收尚未完成，剩余{n}户未签约",
    "规划方案调整，施工图需重新审查",
    "土地组卷报批尚未获批",
)
PROBLEMS_STALLED = (
    "征地拆迁进度滞后，剩余{n}户未完成签约",
    "建设资金未及时到位",
    "地下管线迁改协调难度大",
    "施工单位组织不力，现场作业人员不足",
    "规划设计方案调整，部分工程暂停施工",
    "与相邻地块存在权属争议",
)
PROBLEMS_SLOW = (
    "雨季施工影响进度",
    "建材价格上涨，施工进度放缓",
    "部分地块清表未完成",
    "工程款拨付滞后",
)
PROBLEM_SMOG = "受秋冬季大气污染防治管控影响，土石方作业暂停"
PROBLEM_NEW_YEAR = "春节假期影响，部分施工人员未返岗"
PROBLEM_EPIDEMIC = "受疫情防控影响，外地施工人员返岗延迟"


# --- the generator ---------------------------------------------------------------------------------------


@functools.cache
def ledger_2017() -> SeedLedger:
    """The 2017 ledger: 150 projects reported January to December (seeds 003 and 004)."""
    return _Generator(SPEC_2017, TABLE_2017, CAMPAIGNS_2017, BUDGETS_2017).ledger()


@functools.cache
def ledger_2021() -> SeedLedger:
    """The 2021 ledger: 40 projects reported January to March, with every site of the Q1 tour (seed 002)."""
    return _Generator(SPEC_2021, TABLE_2021, CAMPAIGNS_2021, None).ledger()


@dataclass(frozen=True)
class ProblemSource:
    """The problems a project's reports name, month by month."""

    chronic: tuple[str, ...]  # from ``since`` onwards, one more each quarter
    since: int
    smog: bool  # halted by the winter smog controls in November and December
    new_year: str  # named in February, "" when not

    def __call__(self, month: int) -> tuple[str, ...]:
        found: list[str] = []
        if self.new_year and month == 2:
            found.append(self.new_year)
        if month >= self.since:
            found.extend(self.chronic[: 1 + (month - self.since) // 3])
        if self.smog and month >= 11:
            found.append(PROBLEM_SMOG)
        return tuple(found)


@dataclass
class _Draft:
    """A project while it is being drawn; money in whole 万元 except ``anchor_ytd`` (tenths)."""

    row: Row
    category: str
    code: str
    total: int = 0
    planned: int = 0
    before: int = 0
    band: str = ""  # "" when the project plans no investment; "unstarted" when not started by the anchor month
    late: bool = False  # a red project that was to start this year and has not, or started late
    rate: float = 0.0  # completion rate at the anchor month, %
    anchor_ytd: int = 0  # tenths of 万元
    planned_start: dt.date | None = None
    actual_start: dt.date | None = None
    planned_completion: dt.date | None = None
    actual_completion: dt.date | None = None
    signed_on: dt.date | None = None
    milestones: list[SeedMilestone] = field(default_factory=list)

    @property
    def kind(self) -> Kind:
        return KINDS[self.row.kind]

    @property
    def finishing(self) -> bool:
        return self.row.plan in {"done", "new+done"}

    @property
    def grid(self) -> int:
        """Granularity of year-to-date figures in tenths of 万元: whole 万元, or 0.1 for small plans."""
        return 10 if self.planned >= 1_000 else 1


class _Generator:
    def __init__(
        self,
        spec: YearSpec,
        table: dict[str, tuple[Row, ...]],
        campaigns: Sequence[CampaignRow],
        budgets: dict[str, tuple[int, int, int]] | None,
    ) -> None:
        self.spec = spec
        self.year = spec.year
        self.rng = random.Random(spec.seed)
        self.table = table
        self.campaign_rows = campaigns
        self.budgets = budgets
        self.end = _month_end(spec.year, spec.last_month)  # the day the ledger describes
        self.as_of = _month_end(spec.year, spec.anchor_month)
        self.started_on = {name: c.date for c in campaigns if c.kind == "starting" for name in c.projects}
        self.signed_on = {name: c.date for c in campaigns if c.kind == "signing" for name in c.projects}
        self.permits = itertools.count(self.rng.randint(20, 60))
        self.stems = list(STEMS)
        self.rng.shuffle(self.stems)

    def ledger(self) -> SeedLedger:
        drafts = [
            _Draft(row, category, f"{self.year}-{CODE_PREFIXES[category]}-{i:03d}")
            for category in (c.code for c in CATEGORIES)
            for i, row in enumerate(self.table.get(category, ()), start=1)
        ]
        for d in drafts:
            if d.row.plan not in PLANS or d.row.kind not in KINDS:
                raise ValueError(f"{d.row.name}: unknown plan {d.row.plan!r} or kind {d.row.kind!r}")
        self._size(drafts)
        self._assign_bands(drafts)
        for d in drafts:
            self._schedule(d)
        self._set_rates(drafts)
        importance = self._importance(drafts)
        projects = tuple(self._project(d, importance[d.code]) for d in drafts)
        by_name = {p.name: p.code for p in projects}
        campaigns = tuple(
            SeedCampaign(c.name, c.kind, c.date, c.place, tuple(by_name[name] for name in c.projects))
            for c in self.campaign_rows
        )
        return SeedLedger(self.year, projects, campaigns, self.spec.last_month)

    # -- money ------------------------------------------------------------------------------------------

    def _size(self, drafts: list[_Draft]) -> None:
        """Total, planned and completed-before investment; the category budgets hold exactly when given."""
        rng = self.rng
        raw = [_log_uniform(rng, d.kind.low, d.kind.high) for d in drafts]
        share = [_plan_share(rng, d.row.plan) for d in drafts]
        if self.budgets is None:
            for d, x, (r, _cap) in zip(drafts, raw, share, strict=True):
                d.total = max(1, round(x / 100)) * 100
                d.planned = 0 if r == 0 else max(50, round(d.total * r / 10) * 10)
        else:
            for category, (count, total, planned) in self.budgets.items():
                idx = [i for i, d in enumerate(drafts) if d.category == category]
                if len(idx) != count:
                    raise ValueError(f"{category}: {len(idx)} projects in the table, {count} in the budget")
                totals = _allocate(total // 100, [raw[i] for i in idx])
                for i, t in zip(idx, totals, strict=True):
                    drafts[i].total = t * 100
                with_plan = [i for i in idx if share[i][0] > 0]
                plans = _allocate(
                    planned // 10,
                    [drafts[i].total * share[i][0] for i in with_plan],
                    [int(drafts[i].total * share[i][1]) // 10 for i in with_plan],
                )
                for i, p in zip(with_plan, plans, strict=True):
                    drafts[i].planned = p * 10
        for d in drafts:
            d.before = self._completed_before(d)

    def _completed_before(self, d: _Draft) -> int:
        if d.row.plan == "done":
            return d.total - d.planned
        if d.row.plan == "cont":
            room = d.total - math.ceil(d.planned * 1.25)  # leave room for a year well ahead of plan
            return max(0, min(round(d.total * self.rng.uniform(0.15, 0.55) / 10) * 10, room))
        return 0

    # -- leaders and laggards ---------------------------------------------------------------------------

    def _assign_bands(self, drafts: list[_Draft]) -> None:
        """Deal the bands out by their shares; campaign starts are never red."""
        rng = self.rng
        reporting = [d for d in drafts if d.planned > 0]
        counts = [round(b.share * len(reporting)) for b in self.spec.bands]
        counts[1] += len(reporting) - sum(counts)
        bands = [b.name for b, n in zip(self.spec.bands, counts, strict=True) for _ in range(n)]
        rng.shuffle(bands)
        for d, band in zip(reporting, bands, strict=True):
            d.band = band
        calm = [d for d in reporting if d.band != "red" and d.row.name not in self.started_on]
        for d in reporting:
            if d.band == "red" and d.row.name in self.started_on:
                swap = calm.pop(rng.randrange(len(calm)))
                d.band, swap.band = swap.band, "red"
        for d in reporting:
            d.late = d.band == "red" and d.row.plan in {"new", "new+done"}

    # -- dates ------------------------------------------------------------------------------------------

    def _schedule(self, d: _Draft) -> None:
        rng, y = self.rng, self.year
        plan = d.row.plan
        if plan in {"cont", "done"}:
            first = dt.date(y - 3, 3, 1) if plan == "cont" else dt.date(y - 2, 3, 1)
            d.actual_start = _day(rng, first, dt.date(y - 1, 10, 31))
            d.planned_start = d.actual_start - dt.timedelta(days=rng.randint(0, 30))
        elif plan in {"new", "new+done"}:
            self._schedule_start(d)
        elif plan == "prep":
            d.planned_start = _day(rng, dt.date(y + 1, 3, 1), dt.date(y + 1, 9, 30))
        elif plan == "signed":
            d.signed_on = self.signed_on.get(d.row.name) or _day(rng, dt.date(y, 1, 10), self.end - _days(10))
            d.planned_start = _day(rng, dt.date(y + 1, 3, 1), dt.date(y + 1, 12, 20))
        if d.finishing:
            d.planned_completion = self._completion_due(d)
            if d.band != "red" and d.planned_completion <= self.end:
                d.actual_completion = d.planned_completion - _days(rng.randint(0, 10))
        elif d.planned_start is not None:
            d.planned_completion = _day(rng, dt.date(y + 1, 6, 1), dt.date(y + 2, 12, 31))
            if plan in {"prep", "signed"}:
                d.planned_completion += _days(365)

    def _schedule_start(self, d: _Draft) -> None:
        rng, y = self.rng, self.year
        campaign = self.started_on.get(d.row.name)
        if campaign is not None:
            d.planned_start = campaign - _days(rng.randint(0, 20))
            d.actual_start = campaign
        elif d.late:
            d.planned_start = _day(rng, dt.date(y, 2, 20), min(dt.date(y, 6, 30), self.end - _days(20)))
            if self.end.month == 12 and rng.random() < 0.5:
                d.actual_start = _day(rng, max(d.planned_start + _days(90), dt.date(y, 8, 15)), dt.date(y, 10, 25))
        elif self.end.month == 12:
            d.planned_start = _day(rng, dt.date(y, 2, 20), dt.date(y, 6, 30))
            d.actual_start = d.planned_start + _days(rng.randint(-5, 20))
        else:  # early in the year: the project is due to start later
            d.planned_start = _day(rng, self.end + _days(10), dt.date(y, 9, 30))

    def _completion_due(self, d: _Draft) -> dt.date:
        rng, y = self.rng, self.year
        if self.end.month < 12:
            return _day(rng, dt.date(y, 6, 1), dt.date(y, 12, 31))
        if d.band == "red" and d.row.plan == "done":  # due before the anchor month ends, and missed
            return _day(rng, dt.date(y, 7, 1), self.as_of - _days(15))
        return _day(rng, dt.date(y, 12, 10), dt.date(y, 12, 31))

    # -- completion rates -------------------------------------------------------------------------------

    def _bounds(self, d: _Draft) -> tuple[float, float]:
        """The completion rate (%) a project may have at the anchor month."""
        if d.band == "unstarted" or (d.planned > 0 and not self._started_by(d, self.as_of)):
            return self.spec.unstarted
        if d.late:
            return (5.0, 30.0)
        band = next(b for b in self.spec.bands if b.name == d.band)
        high = min(band.high, 99.5) if d.finishing else band.high
        return band.low, high

    def _started_by(self, d: _Draft, day: dt.date) -> bool:
        return d.actual_start is not None and d.actual_start <= day

    def _set_rates(self, drafts: list[_Draft]) -> None:
        rng = self.rng
        for d in (d for d in drafts if d.planned > 0):
            if not self._started_by(d, self.as_of) and not d.late:
                d.band = "unstarted"
            low, high = self._bounds(d)
            d.rate = rng.uniform(low, high)
        if self.spec.programme_rate is not None:
            self._balance_programme(drafts, self.spec.programme_rate)
            self._steer_programme(drafts, self.spec.programme_rate)
        for d in (d for d in drafts if d.planned > 0):
            d.anchor_ytd = _on_grid(d.planned * 10 * d.rate / 100, d.grid)
        if self.spec.programme_rate is not None:
            self._settle_programme(drafts, self.spec.programme_rate)

    def _programme_members(self, drafts: list[_Draft]) -> list[_Draft]:
        return [d for d in drafts if d.row.upgrade and d.planned > 0]

    def _balance_programme(self, drafts: list[_Draft], target: Decimal) -> None:
        """Swap bands between programme projects (the big ones doing better when the rate is short) until the
        programme is within a point of ``target``, so that steering only has to fine-tune."""
        rng = self.rng
        members = self._programme_members(drafts)
        planned = sum(d.planned for d in members)
        rank = {"yellow": 0, "green": 1, "ahead": 2}
        swappable = [d for d in members if d.band in rank]
        for _ in range(500):
            short = float(target) * 100 - sum(d.planned * d.rate for d in members) / planned
            if abs(short) < 1:
                return
            big, small = sorted(rng.sample(swappable, 2), key=lambda d: -d.planned)
            if rank[big.band] != rank[small.band] and (rank[big.band] < rank[small.band]) == (short > 0):
                big.band, small.band = small.band, big.band
                big.rate, small.rate = rng.uniform(*self._bounds(big)), rng.uniform(*self._bounds(small))

    def _steer_programme(self, drafts: list[_Draft], target: Decimal) -> None:
        """Move the programme's rates inside their bands so that together they make ``target``."""
        members = self._programme_members(drafts)
        planned = sum(d.planned for d in members)
        gap = float(target) * 100 * planned - sum(d.planned * d.rate for d in members)
        rooms = []
        for d in members:
            low, high = self._bounds(d)
            rooms.append(d.planned * ((high - d.rate) if gap > 0 else (d.rate - low)))
        room = sum(rooms)
        if room < abs(gap):
            raise ValueError("the bands leave no room for the programme's completion rate")
        for d, r in zip(members, rooms, strict=True):
            d.rate += gap * (r / room) / d.planned

    def _settle_programme(self, drafts: list[_Draft], target: Decimal) -> None:
        """Put the rounding difference on the programme's largest plan, in whole 万元."""
        members = self._programme_members(drafts)
        want = round(target * 10 * sum(d.planned for d in members))
        diff = int(want) - sum(d.anchor_ytd for d in members)
        biggest = max((d for d in members if d.grid == 10 and d.band != "red"), key=lambda d: d.planned)
        biggest.anchor_ytd += round(diff / 10) * 10

    # -- the project record -----------------------------------------------------------------------------

    def _importance(self, drafts: list[_Draft]) -> dict[str, str]:
        ranked = sorted((d for d in drafts if d.planned > 0), key=lambda d: (-d.total, d.code))
        levels = {d.code: "reserve" for d in drafts}
        for i, d in enumerate(ranked):
            levels[d.code] = "district"
            if i < self.spec.province + self.spec.city:
                levels[d.code] = "province" if i < self.spec.province else "city"
        return levels

    def _project(self, d: _Draft, importance: str) -> SeedProject:
        rng = self.rng
        d.milestones = self._milestones(d)
        place = _local_unit(d.row.place)
        responsible = _unit(rng.choice(d.kind.units), d.row.place)
        partners = [u for u in dict.fromkeys(_unit(c, d.row.place) for c in d.kind.partners) if u != responsible]
        cooperating = tuple(rng.sample(partners, rng.randint(1, min(3, len(partners)))))
        lon, lat = _locate(rng, d.row.place)
        history = self._history(d)
        return SeedProject(
            code=d.code,
            name=d.row.name,
            owner=self._owner(d),
            category=d.category,
            importance=importance,
            programmes=((CITY_UPGRADING, d.row.upgrade),) if d.row.upgrade else (),
            nature=_nature(d.row.plan),
            stage=history[-1][0],
            stage_history=history,
            address=_address(rng, d.row, place[2]),
            longitude=lon,
            latitude=lat,
            scale=_scale(rng, d.kind, d.total),
            total_investment=Decimal(d.total),
            completed_before=Decimal(d.before),
            planned_investment=Decimal(d.planned),
            progress_goal=self._goal(d),
            planned_start=d.planned_start,
            planned_completion=d.planned_completion,
            actual_start=d.actual_start,
            actual_completion=d.actual_completion,
            plan_start_in_year=d.row.plan in {"new", "new+done"},
            plan_complete_in_year=d.finishing,
            responsible_unit=responsible,
            cooperating_units=cooperating,
            leader=self._leader(d, importance),
            procedures=self._procedures(d),
            milestones=tuple(d.milestones),
            months=self._months(d),
        )

    def _owner(self, d: _Draft) -> str:
        if d.row.name in OWNERS:
            return OWNERS[d.row.name]
        template = self.rng.choice(d.kind.owners)
        if template.startswith("@"):
            return _unit_name(_unit(template[1:], d.row.place))
        if "{stem}" not in template:
            return template
        if not self.stems:
            raise ValueError("more enterprise owners than name stems")
        return template.format(stem=self.stems.pop())

    def _leader(self, d: _Draft, importance: str) -> str:
        if importance == "province":
            return self.rng.choice(TOP_LEADERS)
        if d.row.kind == "culture":
            return CULTURE_LEADER
        return self.rng.choice(CATEGORY_LEADERS[d.category])

    def _goal(self, d: _Draft) -> str:
        plan = d.row.plan
        if plan == "talks":
            return "年内签订正式投资协议"
        if plan == "signed":
            return "完成项目公司注册及土地摘牌等前期工作"
        if plan == "prep":
            return f"完成项目前期手续，力争{self.year + 1}年开工建设"
        if d.finishing:
            return {"road": "年底前建成通车", "green": "年底前建成开放"}.get(d.kind.group, "年底前竣工并交付使用")
        in_year = [m for m in d.milestones if m.planned.year == self.year]
        goal = f"年底前完成{_phase(in_year[-1].name)}" if in_year else "年内完成前期手续并开工建设"
        return ("年内开工建设，" + goal) if plan == "new" else goal

    def _history(self, d: _Draft) -> tuple[tuple[str, dt.date], ...]:
        """Dated stage changes, oldest first, none after the ledger's last day."""
        rng = self.rng
        anchor = d.actual_start or d.planned_start or self.end
        steps: list[tuple[str, dt.date]] = []
        if d.row.plan == "talks":
            return (("negotiating", _day(rng, dt.date(self.year - 1, 3, 1), self.end - _days(30))),)
        preparing = min(anchor - _days(rng.randint(90, 300)), self.end - _days(20))
        if d.signed_on is not None:
            preparing = d.signed_on
        if d.kind.enterprise:
            signed = d.signed_on or preparing - _days(rng.randint(30, 120))
            steps += [("negotiating", signed - _days(rng.randint(60, 240))), ("signed", signed)]
        if d.row.plan != "signed":
            steps.append(("preparatory", preparing if d.signed_on is None else preparing + _days(30)))
        if d.actual_start is not None:
            steps.append(("started", d.actual_start))
            building = d.actual_start + _days(rng.randint(10, 30))
            if building <= self.end:
                steps.append(("under_construction", building))
        if not steps:
            steps.append(("preparatory", preparing))
        if d.actual_completion is not None:
            steps.append(("completed", d.actual_completion))
            operating = d.actual_completion + _days(rng.randint(10, 25))
            if d.kind.enterprise and operating <= self.end:
                steps.append(("in_operation", operating))
        return tuple(steps)

    # -- milestones -------------------------------------------------------------------------------------

    def _milestones(self, d: _Draft) -> list[SeedMilestone]:
        """3–6 steps of the plan inside the year (or a little after), none before the project's start."""
        if d.row.plan in NO_PLAN:
            return []
        rng, y = self.rng, self.year
        steps = MILESTONE_STEPS[d.kind.group]
        start = max(s for s in (d.planned_start, d.actual_start) if s is not None)
        first = max(start, dt.date(y, 1, 5))
        count = rng.randint(3, min(6, len(steps)))
        if d.row.plan == "new+done":  # the whole plan in one year: its first steps and the completion
            names = [*steps[: count - 1], steps[-1]]
            last = d.planned_completion or dt.date(y, 12, 31)
        elif d.finishing:
            names = list(steps[-count:])
            last = d.planned_completion or dt.date(y, 12, 31)
        else:
            pool = steps[:-1]
            count = min(count, len(pool))
            offset = min(round(len(pool) * d.before / d.total), len(pool) - count)
            names = list(pool[offset : offset + count])
            last = dt.date(y, 12, 20) + _days(rng.randint(0, 75))
        unstarted = d.actual_start is None
        if unstarted:  # the first step is the start itself
            names = [START_STEP, *(names[1:] if d.finishing else names[:-1])]
        dates = _spread(rng, first, last, len(names), pin_last=d.finishing, pin_first=unstarted)
        if d.band == "red" and not unstarted and dates[0] >= self.as_of:
            # A laggard has a step it should already have done.
            dates[0] = _day(rng, first + _days(5), max(first + _days(5), self.as_of - _days(10)))
            dates = sorted(dates)
        return self._mark_done(d, names, dates)

    def _mark_done(self, d: _Draft, names: list[str], dates: list[dt.date]) -> list[SeedMilestone]:
        """Done on time, except that a laggard is stuck at its last step due before the anchor month's end:
        that step and the ones after it are done late, after the anchor month, or not at all."""
        rng = self.rng
        overdue = [i for i, day in enumerate(dates) if day < self.as_of]
        stuck_at = overdue[-1] if d.band == "red" and overdue else len(dates)
        last = len(dates) - 1
        floor = d.actual_start  # nothing is done before the start or before the step before it
        result: list[SeedMilestone] = []
        for i, (name, planned) in enumerate(zip(names, dates, strict=True)):
            done: dt.date | None = None
            if floor is not None and planned <= self.end:
                if i < stuck_at:
                    early = min(d.actual_completion or self.end, max(floor, planned - _days(rng.randint(0, 12))))
                    done = d.actual_completion if d.finishing and i == last else early
                elif i == stuck_at or floor > self.as_of:
                    late = max(planned, floor, self.as_of) + _days(rng.randint(5, 45))
                    done = late if late <= self.end and rng.random() < 0.5 else None
            if d.finishing and d.band == "red" and i == last:
                done = None
            if done is None and i >= stuck_at:
                floor = None
            elif done is not None:
                floor = done
            result.append(SeedMilestone(name, planned, done))
        return result

    # -- approvals --------------------------------------------------------------------------------------

    def _procedures(self, d: _Draft) -> tuple[SeedProcedure, ...]:
        rng = self.rng
        template = ENTERPRISE_PROCEDURES if d.kind.enterprise else PROCEDURES[d.kind.group]
        needed = [name for name, need in template if need]
        if d.actual_start is not None:
            obtained = len(needed)
            last_day = d.actual_start - _days(rng.randint(5, 30))
        elif d.row.plan == "talks":
            obtained, last_day = 0, self.end
        elif d.row.plan == "signed":
            obtained, last_day = 1 if rng.random() < 0.5 else 0, self.end - _days(rng.randint(5, 40))
        else:
            obtained = rng.randint(1, len(needed) - 1)
            last_day = self.end - _days(rng.randint(5, 60))
        days = [*sorted(last_day - _days(rng.randint(0, 330)) for _ in range(obtained - 1)), last_day]
        days = days[-obtained:] if obtained else []
        result: list[SeedProcedure] = []
        waiting = d.row.plan == "talks"  # the next approval still to get is under way, the rest wait
        for name, need in template:
            if not need:
                result.append(SeedProcedure(name, "not_needed", "", None))
            elif days:
                day = days.pop(0)
                result.append(SeedProcedure(name, "obtained", self._permit(name, day), day))
            else:
                result.append(SeedProcedure(name, "not_started" if waiting else "in_progress", "", None))
                waiting = True
        return tuple(result)

    def _permit(self, name: str, day: dt.date) -> str:
        n = next(self.permits)
        return PERMIT_FORMATS[name].format(y=day.year, ymd=day.strftime("%Y%m%d"), n=n, m=n % 100)

    # -- monthly reports --------------------------------------------------------------------------------

    def _months(self, d: _Draft) -> tuple[SeedMonth, ...]:
        if d.planned == 0:
            return ()
        ytd = self._ytd_path(d)
        problems = self._problem_pool(d)
        months = []
        for month, value in enumerate(ytd, start=1):
            months.append(
                SeedMonth(month, _wan(value), self._progress(d, _month_end(self.year, month)), problems(month))
            )
        return tuple(months)

    def _ytd_path(self, d: _Draft) -> list[int]:
        """Year-to-date figures in tenths of 万元, month by month: never falling, never above what is left to do."""
        rng, spec = self.rng, self.spec
        start_month = 1
        if d.actual_start is None or d.actual_start.year > self.year:
            start_month = 13
        elif d.actual_start.year == self.year:
            start_month = d.actual_start.month
        weights = [w * rng.uniform(0.7, 1.3) * (1.0 if m + 1 >= start_month else 0.12) for m, w in enumerate(SEASON)]
        cumulative = list(itertools.accumulate(weights))
        base = cumulative[spec.anchor_month - 1]
        path = [_on_grid(d.anchor_ytd * c / base, d.grid) for c in cumulative[: spec.anchor_month]]
        if spec.last_month > spec.anchor_month:
            final = self._final_ytd(d)
            steps = spec.last_month - spec.anchor_month
            shares = [*sorted(rng.uniform(0.4, 0.65) for _ in range(steps - 1)), 1.0]
            path += [d.anchor_ytd + _on_grid((final - d.anchor_ytd) * s, d.grid) for s in shares]
        return path

    def _final_ytd(self, d: _Draft) -> int:
        rng = self.rng
        planned, left = d.planned * 10, (d.total - d.before) * 10
        if d.finishing and d.band != "red":
            return planned
        factor = {
            "ahead": (1.10, 1.20),
            "green": (1.15, 1.28),
            "yellow": (1.20, 1.40),
            "red": (1.50, 3.00) if d.late else (1.15, 1.60),
            "unstarted": (1.00, 1.30),
        }[d.band]
        final = _on_grid(d.anchor_ytd * rng.uniform(*factor), d.grid)
        ceiling = _on_grid(planned * 0.95, d.grid) if d.finishing else left
        return max(d.anchor_ytd, min(final, ceiling))

    def _progress(self, d: _Draft, month_end: dt.date) -> str:
        done = [m for m in d.milestones if m.done is not None and m.done <= month_end]
        ahead = [m for m in d.milestones if m.done is None or m.done > month_end]
        if d.actual_completion is not None and d.actual_completion <= month_end:
            return {"road": "已建成通车", "green": "已建成开放"}.get(d.kind.group, "已竣工验收")
        if d.actual_start is None or d.actual_start > month_end:
            return "正在办理施工许可等前期手续，开展施工准备"
        now = f"正在推进{_phase(ahead[0].name)}" if ahead else "正在进行收尾及验收准备"
        if done:
            return f"已完成{_phase(done[-1].name)}，{now}"
        if d.actual_start.year == self.year:
            return f"{d.actual_start.month}月开工，{now}"
        return now

    def _problem_pool(self, d: _Draft) -> ProblemSource:
        rng = self.rng
        households = rng.randint(8, 120)
        if d.band == "red":
            pool = PROBLEMS_UNSTARTED if d.actual_start is None else PROBLEMS_STALLED
            chosen = [p.format(n=households) for p in rng.sample(pool, 2)]
            since = rng.randint(2, 5)
        elif d.band in {"yellow", "unstarted"}:
            chosen = [rng.choice(PROBLEMS_SLOW)]
            since = rng.randint(4, 8)
        else:
            chosen, since = [], 13
        smog = d.actual_start is not None and rng.random() < 0.35  # named in November and December only
        # Early 2021 the outbreak in Hebei kept workers home after the Spring Festival.
        holiday = PROBLEM_EPIDEMIC if self.year == 2021 else PROBLEM_NEW_YEAR
        new_year = d.actual_start is not None and d.actual_start.year < self.year and rng.random() < 0.2
        return ProblemSource(tuple(chosen), since, smog, holiday if new_year else "")


# --- small helpers ---------------------------------------------------------------------------------------


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    """A day between ``first`` and ``last`` inclusive (``first`` when the range is empty)."""
    return first + _days(rng.randint(0, max(0, (last - first).days)))


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _spread(
    rng: random.Random, first: dt.date, last: dt.date, count: int, *, pin_last: bool, pin_first: bool
) -> list[dt.date]:
    """``count`` increasing dates from ``first`` (exclusive unless pinned) to ``last``, roughly evenly apart."""
    last = max(last, first + _days(7 * count))
    span = (last - first).days
    dates = []
    for i in range(count):
        if pin_first and i == 0:
            dates.append(first)
            continue
        if pin_last and i == count - 1:
            dates.append(last)
            continue
        centre = span * (i + 1) / (count + (0 if pin_last else 0.3))
        jitter = span / count / 4
        dates.append(first + _days(max(1, round(centre + rng.uniform(-jitter, jitter)))))
    for i in range(1, count):  # strictly increasing
        if dates[i] <= dates[i - 1]:
            dates[i] = dates[i - 1] + _days(1)
    return dates


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _plan_share(rng: random.Random, plan: str) -> tuple[float, float]:
    """A weight for this year's share of the total, and the most the share may be."""
    if plan in NO_PLAN:
        return 0.0, 0.0
    low, high, cap = {
        "new": (0.08, 0.30, 0.50),
        "new+done": (0.60, 0.90, 0.95),
        "cont": (0.08, 0.30, 0.55),
        "done": (0.20, 0.60, 0.75),
    }[plan]
    return rng.uniform(low, high), cap


def _allocate(target: int, weights: Sequence[float], caps: Sequence[int] | None = None) -> list[int]:
    """Split ``target`` whole units in proportion to ``weights``: each share at least 1 and at most its cap,
    the shares summing exactly to ``target`` (water-filling, then largest remainders)."""
    n = len(weights)
    limits = list(caps) if caps is not None else [target] * n
    if n > target or sum(limits) < target or min(limits) < 1:
        raise ValueError("the budget cannot be split within the caps")
    fixed: dict[int, int] = {}
    while True:
        free = [i for i in range(n) if i not in fixed]
        scale = (target - sum(fixed.values())) / sum(weights[i] for i in free)
        over = [i for i in free if weights[i] * scale > limits[i]]
        under = [i for i in free if weights[i] * scale < 1]
        if over:
            fixed.update((i, limits[i]) for i in over)
        elif under:
            fixed.update((i, 1) for i in under)
        else:
            break
    exact = {i: weights[i] * scale for i in free}
    shares = fixed | {i: int(v) for i, v in exact.items()}
    rest = target - sum(shares.values())
    for i in sorted(free, key=lambda i: exact[i] - int(exact[i]), reverse=True):
        if rest and shares[i] < limits[i]:
            shares[i] += 1
            rest -= 1
    if rest:
        raise ValueError("the budget cannot be split within the caps")
    return [shares[i] for i in range(n)]


def _on_grid(tenths: float, grid: int) -> int:
    """Round a figure in tenths of 万元 to the grid (10: whole 万元, 1: one decimal), half up."""
    return math.floor(tenths / grid + 0.5) * grid


def _wan(tenths: int) -> Decimal:
    whole, rest = divmod(tenths, 10)
    return Decimal(whole) if rest == 0 else Decimal(tenths).scaleb(-1)


def _phase(step: str) -> str:
    """A milestone's name as a phase of work: "主体结构封顶" stays, "基础施工完成" → "基础施工"."""
    return step.removeprefix("完成").removesuffix("完成")


def _nature(plan: str) -> str:
    return {"new": "new", "new+done": "new", "cont": "continuing", "done": "completed"}.get(plan, "preparatory")


def _local_unit(code: str) -> tuple[str, str, str, str, int, list[str]]:
    return next(u for u in LOCAL_UNITS if u[0] == code)


def _unit(code: str, place: str) -> str:
    return place if code == HERE else code


def _unit_name(code: str) -> str:
    for unit in LOCAL_UNITS:
        if unit[0] == code:
            return unit[1]
    return next(d[1] for d in DEPARTMENTS if d[0] == code)


def _address(rng: random.Random, row: Row, place: str) -> str:
    if "（" in row.name and "—" in row.name and row.kind == "road":
        road, rest = row.name.split("（", 1)
        road = road.removeprefix("马寨产业集聚区")
        start, end = rest.split("）", 1)[0].split("—")
        return f"二七区{place}{road}（{start}至{end}段）"
    north_south, east_west = STREETS[row.place]
    return f"二七区{place}{rng.choice(north_south)}与{rng.choice(east_west)}交叉口{rng.choice(CORNERS)}"


def _scale(rng: random.Random, kind: Kind, total: int) -> str:
    q = total / rng.uniform(*kind.cost)
    shown = round(q, -2) if q >= 1_000 else round(q, -1) if q >= 100 else round(q) if q >= 10 else round(q, 1)
    text = f"{shown:g}" if shown < 10 else f"{int(shown)}"
    return kind.scale.format(q=text, w=rng.choice((30, 40, 50, 60)))


def _inside(lon: float, lat: float) -> bool:
    """Whether a point is inside the district outline (ray casting)."""
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(BOUNDARY):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _locate(rng: random.Random, place: str) -> tuple[Decimal, Decimal]:
    """A point near the local unit's seed point, inside the district."""
    index = next(i for i, u in enumerate(LOCAL_UNITS) if u[0] == place)
    lon0, lat0 = UNIT_SEEDS[index]
    for _ in range(100):
        lon, lat = lon0 + rng.uniform(-0.01, 0.01), lat0 + rng.uniform(-0.008, 0.008)
        if _inside(lon, lat):
            return Decimal(f"{lon:.6f}"), Decimal(f"{lat:.6f}")
    return Decimal(f"{lon0:.6f}"), Decimal(f"{lat0:.6f}")
