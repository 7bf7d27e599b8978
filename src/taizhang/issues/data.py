"""The issue ledger's starting configuration: sources, the category tree with time limits, routing rules.

Time limits follow common practice of Chinese digital urban management (数字城管): urgent hazards in working
hours, ordinary city-appearance problems in one to five workdays, illegal construction in ten.
"""

from __future__ import annotations

# (code, name, dispatch automatically)
SOURCES: list[tuple[str, str, bool]] = [
    ("tour", "观摩检查", True),
    ("patrol", "日常巡查", True),
    ("checklist", "文明城市测评", True),
    ("hotline", "12345热线", False),
    ("superior", "上级交办", True),
    ("supervision", "督查督办", True),
    ("citizen", "群众反映", False),
    ("other", "其他", False),
]

# (code, name, parent code, time limit, "workdays" | "hours", yellow lead (same unit), severity)
CATEGORIES: list[tuple[str, str, str | None, int, str, int, str]] = [
    ("sr", "市容环境", None, 3, "workdays", 1, "general"),
    ("sr-dump", "乱堆乱放", "sr", 2, "workdays", 1, "general"),
    ("sr-vending", "占道经营", "sr", 1, "workdays", 0, "general"),
    ("sr-posters", "乱贴乱画", "sr", 2, "workdays", 1, "minor"),
    ("sr-garbage", "垃圾清运不及时", "sr", 4, "hours", 1, "serious"),
    ("sr-signs", "户外广告破损", "sr", 5, "workdays", 2, "general"),
    ("dl", "道路交通", None, 5, "workdays", 2, "general"),
    ("dl-pavement", "道路破损", "dl", 5, "workdays", 2, "serious"),
    ("dl-manhole", "井盖缺失破损", "dl", 2, "hours", 1, "urgent"),
    ("dl-signals", "交通设施损坏", "dl", 3, "workdays", 1, "serious"),
    ("dl-bikes", "非机动车乱停放", "dl", 1, "workdays", 0, "minor"),
    ("yl", "园林绿化", None, 5, "workdays", 2, "general"),
    ("yl-green", "绿地损毁", "yl", 5, "workdays", 2, "general"),
    ("yl-tree", "树木倒伏", "yl", 4, "hours", 1, "urgent"),
    ("ss", "公共设施", None, 3, "workdays", 1, "general"),
    ("ss-lights", "路灯不亮", "ss", 3, "workdays", 1, "general"),
    ("ss-toilets", "公厕管理不到位", "ss", 2, "workdays", 1, "general"),
    ("wm", "文明城市测评", None, 5, "workdays", 2, "general"),
    ("wm-ads", "公益广告不足", "wm", 5, "workdays", 2, "minor"),
    ("wm-alleys", "背街小巷脏乱", "wm", 3, "workdays", 1, "general"),
    ("wm-market", "农贸市场秩序混乱", "wm", 3, "workdays", 1, "general"),
    ("wm-site", "建筑工地围挡不规范", "wm", 5, "workdays", 2, "general"),
    ("wm-school", "校园周边环境", "wm", 3, "workdays", 1, "serious"),
    ("wf", "违法建设", None, 10, "workdays", 3, "serious"),
]

# Category code -> unit code: matters that belong to a department wherever they are.
RULES: list[tuple[str, str, str]] = [
    ("sr-vending", "ZFJ", "占道经营由城管执法局查处"),
    ("wf", "ZFJ", "违法建设由城管执法局查处"),
    ("dl-signals", "JTJ", "交通设施由交通运输局维护"),
    ("ss-lights", "CGJ", "路灯由城市管理局维护"),
    ("yl-green", "YLJ", "绿地由园林绿化中心养护"),
]
