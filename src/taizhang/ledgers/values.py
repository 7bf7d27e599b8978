"""Reading the values people type into ledger spreadsheets.

Pure functions, no Django models: text normalisation, numbers typed as text ("12,500"), money in 元/万元/亿元
converted exactly to 万元, percentages as numbers or text, dates in the many ways offices write them, and the
words that mean "not known yet". Each parser either returns a value (``None`` for unknown) or raises
:class:`ValueProblem` with a sentence a clerk can act on.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _


class ValueProblem(ValueError):
    """A cell's value cannot be read as the column's type; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Cell texts that mean "not known yet" in office ledgers.
UNKNOWN_WORDS = frozenset(
    {"待定", "未定", "暂定", "不详", "暂无", "无", "—", "——", "-", "--", "/", "\\", "n/a", "na", "null", "空"}
)

_LONGEST_UNKNOWN = 8  # the longest word above, with room for spaces around it
_UNKNOWN_STARTS = {w[0] for w in UNKNOWN_WORDS} | {"－", "／", "＼", "ｎ", "Ｎ", "―", "─"}

# Money units written in headers ("总投资（亿元）"), in "单位：万元" rows, or after a number ("1.2亿元").
MONEY_UNITS: dict[str, Decimal] = {
    "元": Decimal("0.0001"),
    "千元": Decimal("0.1"),
    "万元": Decimal(1),
    "十万元": Decimal(10),
    "百万元": Decimal(100),
    "千万元": Decimal(1000),
    "亿元": Decimal(10000),
}
WAN = "万元"
# Text starting with these is a formula to a spreadsheet; exports guard such text with a leading "'".
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MONEY_PLACES = Decimal("0.0001")  # 万元 to 4 decimal places: one yuan
MONEY_LIMIT = Decimal("1e14")  # 18 digits with 4 decimal places, as the ledgers' money fields hold

_UNIT_ALTERNATIVES = "|".join(sorted(MONEY_UNITS, key=len, reverse=True))
_UNIT_IN_PARENS = re.compile(rf"\((?:单位[:]?)?({_UNIT_ALTERNATIVES})\)")
_UNIT_ROW = re.compile(rf"(?:^|[^制填])单位[:]\s*({_UNIT_ALTERNATIVES})")
_NUMBER_WITH_UNIT = re.compile(rf"^(.*?)({_UNIT_ALTERNATIVES})$")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(?:度)?")
_MONTH_RANGE = re.compile(r"(?<!\d)(1[0-2]|0?[1-9])\s*[-~—–至到]\s*(1[0-2]|0?[1-9])\s*月(?:份)?")
_QUARTER_WORDS = {"一季度": 3, "二季度": 6, "三季度": 9, "四季度": 12, "上半年": 6, "全年": 12, "前三季度": 9}
_NO_DECORATION = str.maketrans("", "", "*※★☆▲△")


def clean_text(value: Any) -> str:
    """A cell's text as a person reads it: NFKC (full-width → half-width), spaces collapsed, trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())


def plain(value: Any) -> str:
    """A cell's text as written, for showing back to its author: only whitespace and line breaks collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


# Full-width letters and digits (Ｇ, ３) read as their ASCII forms; Chinese punctuation (，（）：) stays as written.
_WIDE_ALNUM = {
    **{0xFF10 + i: 0x30 + i for i in range(10)},
    **{0xFF21 + i: 0x41 + i for i in range(26)},
    **{0xFF41 + i: 0x61 + i for i in range(26)},
    0x3000: 0x20,
}


def as_written(value: Any) -> str:
    """A text cell to store: whitespace collapsed, full-width letters and digits made ASCII, punctuation kept."""
    return plain(value).translate(_WIDE_ALNUM).strip()


def squeeze(value: Any) -> str:
    """For matching: NFKC, no whitespace or line breaks at all, lower case, no required-field stars."""
    return "".join(clean_text(value).split()).translate(_NO_DECORATION).lower()


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def is_unknown(value: Any) -> bool:
    """Blank, or a word that means "not known yet" ("待定", "—", "无")."""
    if is_blank(value):
        return True
    # Every such word is short and starts with one of few characters: other text need not be normalised.
    if not isinstance(value, str) or len(value) > _LONGEST_UNKNOWN:
        return False
    return value.lstrip()[:1].lower() in _UNKNOWN_STARTS and squeeze(value) in UNKNOWN_WORDS


def display(value: Any) -> str:
    """A raw cell value as shown in problem reports: the text the clerk sees in the cell."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != dt.time(0) else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


# --- headers --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeaderText:
    """A header cell taken apart: the words that name the column, and what it says about unit and period."""

    base: str
    unit: str | None = None
    year: int | None = None
    month: int | None = None  # the last month of a "1-9月" range: the report month


def header_text(value: Any) -> HeaderText:
    """ "2022年计划投资（万元）" → base "计划投资", unit 万元, year 2022; "1-9月完成投资" → base "完成投资", month 9."""
    text = squeeze(value)
    unit = None
    if match := _UNIT_IN_PARENS.search(text):
        unit = match.group(1)
        text = text[: match.start()] + text[match.end() :]
    text = re.sub(r"\((?:%|单位:%)\)", "", text)
    year = None
    if match := _YEAR.search(text):
        year = int(match.group(1))
        text = text[: match.start()] + text[match.end() :]
    month = None
    if match := _MONTH_RANGE.search(text):
        month = int(match.group(2))
        text = text[: match.start()] + text[match.end() :]
    else:
        for word, last in _QUARTER_WORDS.items():
            if text.startswith(word):
                month = last
                text = text[len(word) :]
                break
    text = text.strip("()[]:：、")
    return HeaderText(base=text, unit=unit, year=year, month=month)


def unit_in_text(value: Any) -> str | None:
    """The money unit a "单位：万元" line states (not "制表单位：督查室")."""
    match = _UNIT_ROW.search(squeeze(value))
    return match.group(1) if match else None


def period_in_text(value: Any) -> tuple[int | None, int | None]:
    """Year and report month stated in a title: "2022年…（1-5月）" → (2022, 5)."""
    text = squeeze(value)
    year_match = _YEAR.search(text)
    month_match = _MONTH_RANGE.search(text)
    month = int(month_match.group(2)) if month_match else None
    if month is None:
        if single := re.search(r"(?<![\d-])(1[0-2]|0?[1-9])月(?:份)?(?:末|底)?", text):
            month = int(single.group(1))
        else:
            month = next((last for word, last in _QUARTER_WORDS.items() if word in text), None)
    return (int(year_match.group(1)) if year_match else None, month)


# --- numbers --------------------------------------------------------------------------------------------


def _decimal_from_float(value: float) -> Decimal:
    if not math.isfinite(value):
        raise ValueProblem(_("This is not a number."))
    # Excel keeps 15 significant digits; anything beyond is binary noise (17.400000000000002).
    return Decimal(format(value, ".15g"))


def parse_decimal(value: Any) -> Decimal | None:
    """A number, typed as a number or as text ("12,500", "１２５００", " 3.5 ")."""
    if is_unknown(value):
        return None
    if isinstance(value, bool):
        raise ValueProblem(_("This is a yes/no value, not a number."))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return _decimal_from_float(value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        raise ValueProblem(_("This is a date, not a number."))
    text = squeeze(value).replace(",", "").replace("，", "")
    if text.startswith("(") and text.endswith(")"):  # accountants' negative: (1,200)
        text = "-" + text[1:-1]
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?", text):
        raise ValueProblem(_("“%(value)s” is not a number.") % {"value": display(value)})
    try:
        number = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above admits only valid decimals
        raise ValueProblem(_("“%(value)s” is not a number.") % {"value": display(value)}) from exc
    if not number.is_finite():
        raise ValueProblem(_("“%(value)s” is not a number.") % {"value": display(value)})
    return number


def parse_integer(value: Any) -> int | None:
    number = parse_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueProblem(_("“%(value)s” is not a whole number.") % {"value": display(value)})
    return int(number)


Warn = Callable[[str], None]


def _ignore(message: str) -> None:
    pass


def to_wan(amount: Decimal, unit: str, warn: Warn = _ignore) -> Decimal:
    """An amount in ``unit`` converted exactly to 万元, kept to 4 decimal places (one yuan)."""
    exact = amount * MONEY_UNITS[unit]
    if abs(exact) >= MONEY_LIMIT:
        raise ValueProblem(_("%(value)s 万元 is too large for a ledger amount.") % {"value": f"{exact:,f}"})
    rounded = exact.quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)
    if rounded != exact:
        warn(_("Rounded to %(value)s 万元 (four decimal places).") % {"value": rounded})
    return rounded


def from_wan(amount: Decimal, unit: str) -> Decimal:
    """An amount in 万元 expressed in ``unit`` (for export headers such as "总投资（亿元）")."""
    return amount / MONEY_UNITS[unit]


def parse_money(value: Any, unit: str = WAN, warn: Warn = _ignore) -> Decimal | None:
    """Money in 万元. ``unit`` is what the header or the "单位：" row says; "1.2亿元" in the cell wins."""
    if is_unknown(value):
        return None
    if isinstance(value, str):
        text = squeeze(value).replace(",", "")
        if match := _NUMBER_WITH_UNIT.match(text):
            unit = match.group(2)
            value = match.group(1)
    amount = parse_decimal(value)
    if amount is None:
        return None
    return to_wan(amount, unit, warn)


def parse_percent(value: Any, warn: Warn = _ignore) -> Decimal | None:
    """A ratio: "85.3%" and 0.853 both give 0.853. A bare number above 10 is read as percentage points."""
    if is_unknown(value):
        return None
    if isinstance(value, str) and "%" in value.replace("％", "%"):
        number = parse_decimal(value.replace("％", "%").replace("%", ""))
        return None if number is None else number / 100
    number = parse_decimal(value)
    if number is None:
        return None
    if abs(number) > 10:
        warn(_("Read %(value)s as %(value)s%%.") % {"value": display(value)})
        return number / 100
    return number


# --- dates ----------------------------------------------------------------------------------------------

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_FULL_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YEAR_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:份)?$")
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*日?$")
_MONTH_ONLY = re.compile(r"^(\d{1,2})\s*月(?:份)?$")


def _make_date(year: int, month: int, day: int, value: Any) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise ValueProblem(_("“%(value)s” is not a real date.") % {"value": display(value)}) from exc


def _needs_year(value: Any) -> ValueProblem:
    return ValueProblem(
        _("“%(value)s” has no year, and neither the title nor the import gives one: state the period.")
        % {"value": display(value)}
    )


def _month_only(value: Any) -> ValueProblem:
    return ValueProblem(_("“%(value)s” gives a month; this column needs a day.") % {"value": display(value)})


def parse_date(value: Any, *, year: int | None = None, month_ok: bool = True, warn: Warn = _ignore) -> dt.date | None:
    """A day: real dates, "2021-3-5", "2021.3.5", "2021年3月5日", "20210305", "9月12日" (``year`` from context).

    With ``month_ok`` a month alone ("2021.3", "2021年3月", "2021-03") means its first day.
    """
    if is_unknown(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool | dt.time | dt.timedelta):
        raise ValueProblem(_("“%(value)s” is not a date.") % {"value": display(value)})
    if isinstance(value, int | float | Decimal):
        return _numeric_date(value, month_ok, warn)
    return _text_date(value, year, month_ok)


def _text_date(value: Any, year: int | None, month_ok: bool) -> dt.date:
    text = squeeze(value)
    if match := _FULL_DATE.match(text) or _COMPACT_DATE.match(text):
        return _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)), value)
    if match := _YEAR_MONTH.match(text):
        if not month_ok:
            raise _month_only(value)
        return _make_date(int(match.group(1)), int(match.group(2)), 1, value)
    if match := _MONTH_DAY.match(text):
        if year is None:
            raise _needs_year(value)
        return _make_date(year, int(match.group(1)), int(match.group(2)), value)
    if match := _MONTH_ONLY.match(text):
        if year is None:
            raise _needs_year(value)
        if not month_ok:
            raise _month_only(value)
        return _make_date(year, int(match.group(1)), 1, value)
    raise ValueProblem(_("“%(value)s” is not a date.") % {"value": display(value)})


def _numeric_date(value: float | int | Decimal, month_ok: bool, warn: Warn) -> dt.date:
    """A number in a date column: 2021.3 typed into a cell Excel made numeric, or an Excel day serial."""
    number = _decimal_from_float(value) if isinstance(value, float) else Decimal(value)
    if 1900 <= number < 2100 and number != number.to_integral_value():
        if not month_ok:
            raise _month_only(value)
        year_part, fraction = str(number).split(".")
        if not 1 <= int(fraction) <= 12:
            raise ValueProblem(_("“%(value)s” is not a month.") % {"value": display(value)})
        if fraction == "1":  # "2021.10" typed into a numeric cell became 2021.1
            warn(
                _("Read %(value)s as January %(year)s; if October was meant, type it as text “%(year)s.10”.")
                % {"value": display(value), "year": year_part}
            )
        return dt.date(int(year_part), int(fraction), 1)
    if not 1 <= number < 2958466 or number != number.to_integral_value():
        raise ValueProblem(_("“%(value)s” is not a date.") % {"value": display(value)})
    return _EXCEL_EPOCH + dt.timedelta(days=int(number))


def parse_month(value: Any, *, year: int | None = None, warn: Warn = _ignore) -> dt.date | None:
    """A month, as its first day: "2021.3", "2021年3月", "2021-03", a real date, "3月" (year from context)."""
    day = parse_date(value, year=year, month_ok=True, warn=warn)
    return None if day is None else day.replace(day=1)


def parse_period(text: str) -> tuple[int, int]:
    """ "YYYY-MM" (also "YYYY.MM", "YYYY年M月") → (year, month); raises ValueProblem otherwise."""
    match = _YEAR_MONTH.match(squeeze(text))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueProblem(_("“%(value)s” is not a period: write it as YYYY-MM.") % {"value": text})
    return int(match.group(1)), int(match.group(2))


# --- yes / no -------------------------------------------------------------------------------------------

YES_WORDS = frozenset({"是", "y", "yes", "true", "1", "√", "✓", "✔", "已", "有", "对"})
NO_WORDS = frozenset({"否", "n", "no", "false", "0", "×", "✗", "✘", "未", "不是"})


def parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if is_blank(value):
        return None
    text = squeeze(value)
    if text in YES_WORDS:
        return True
    if text in NO_WORDS or text in UNKNOWN_WORDS:
        return False if text in NO_WORDS else None
    raise ValueProblem(_("“%(value)s” is not 是 or 否.") % {"value": display(value)})
