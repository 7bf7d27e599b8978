"""Reading typed values from cells: examples from real ledgers, and properties checked by Hypothesis."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from taizhang.ledgers import values as v

# --- numbers and money -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12,500", Decimal(12500)),
        ("１２，５００", Decimal(12500)),
        (" 3.5 ", Decimal("3.5")),
        (17.400000000000002, Decimal("17.4")),
        (74.7, Decimal("74.7")),
        (23826, Decimal(23826)),
        ("(1,200)", Decimal(-1200)),
        ("1e3", Decimal(1000)),
        ("待定", None),
        ("—", None),
        ("无", None),
        ("", None),
        (None, None),
    ],
)
def test_numbers_typed_as_numbers_or_text(raw, expected):
    assert v.parse_decimal(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "12,5x", "1.2.3", True, dt.date(2021, 1, 1), float("nan"), "inf"])
def test_what_is_not_a_number_says_so(raw):
    with pytest.raises(v.ValueProblem):
        v.parse_decimal(raw)


def test_money_units_convert_exactly_to_wan():
    assert v.parse_money(74.7, "亿元") == Decimal("747000")
    assert v.parse_money("12,345", "元") == Decimal("1.2345")
    assert v.parse_money("1.2亿元", "万元") == Decimal(12000)  # the cell's own unit wins
    assert v.parse_money("500万元") == Decimal(500)
    assert v.parse_money("8千元") == Decimal("0.8")


def test_money_rounded_below_one_yuan_warns():
    warnings = []
    assert v.parse_money("1.5", "元", warnings.append) == Decimal("0.0002")
    assert warnings and "0.0002" in warnings[0]


def test_integers_refuse_fractions():
    assert v.parse_integer("12") == 12
    assert v.parse_integer(3.0) == 3
    with pytest.raises(v.ValueProblem, match="whole number"):
        v.parse_integer("2.5")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("85.3%", Decimal("0.853")), ("85.3％", Decimal("0.853")), (0.853, Decimal("0.853")), (1.2, Decimal("1.2"))],
)
def test_percentages_as_text_or_number(raw, expected):
    assert v.parse_percent(raw) == expected


def test_a_bare_number_above_ten_is_read_as_points_with_a_warning():
    warnings = []
    assert v.parse_percent(85.3, warnings.append) == Decimal("0.853")
    assert warnings


# --- dates ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (dt.datetime(2022, 1, 27), dt.date(2022, 1, 27)),
        (dt.date(2022, 1, 27), dt.date(2022, 1, 27)),
        ("2021-3-5", dt.date(2021, 3, 5)),
        ("2021.03.05", dt.date(2021, 3, 5)),
        ("2021/3/5", dt.date(2021, 3, 5)),
        ("2021年3月5日", dt.date(2021, 3, 5)),
        ("20210305", dt.date(2021, 3, 5)),
        ("2021.3", dt.date(2021, 3, 1)),
        ("2023.10", dt.date(2023, 10, 1)),
        ("2022年3月", dt.date(2022, 3, 1)),
        ("2021-03", dt.date(2021, 3, 1)),
        (2023.3, dt.date(2023, 3, 1)),
        (44562, dt.date(2022, 1, 1)),  # an Excel day number
        ("待定", None),
    ],
)
def test_dates_the_way_offices_write_them(raw, expected):
    assert v.parse_date(raw) == expected


def test_a_day_without_a_year_takes_the_year_of_the_context():
    assert v.parse_date("9月12日", year=2021) == dt.date(2021, 9, 12)
    assert v.parse_date("3月", year=2021) == dt.date(2021, 3, 1)
    with pytest.raises(v.ValueProblem, match="no year"):
        v.parse_date("9月12日")


def test_2021_point_1_may_have_been_october_and_the_warning_says_so():
    warnings = []
    assert v.parse_date(2021.1, warn=warnings.append) == dt.date(2021, 1, 1)
    assert "October" in warnings[0]


@pytest.mark.parametrize("raw", ["2021-13-01", "2021-02-30", "明天", "2021.13", True, dt.time(9)])
def test_impossible_dates_are_refused(raw):
    with pytest.raises(v.ValueProblem):
        v.parse_date(raw)


def test_a_day_column_refuses_a_month():
    with pytest.raises(v.ValueProblem, match="month"):
        v.parse_date("2021年3月", month_ok=False)
    with pytest.raises(v.ValueProblem, match="month"):
        v.parse_date(2021.3, month_ok=False)


def test_months_and_periods():
    assert v.parse_month(dt.date(2021, 3, 17)) == dt.date(2021, 3, 1)
    assert v.parse_period("2026-05") == (2026, 5)
    assert v.parse_period("2026年5月") == (2026, 5)
    with pytest.raises(v.ValueProblem):
        v.parse_period("2026-13")


# --- yes/no, headers and titles -----------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [("是", True), ("否", False), ("√", True), ("×", False), ("", None)])
def test_yes_and_no(raw, expected):
    assert v.parse_bool(raw) is expected


def test_yes_or_no_refuses_anything_else():
    with pytest.raises(v.ValueProblem):
        v.parse_bool("也许")


@pytest.mark.parametrize(
    ("raw", "base", "unit", "year", "month"),
    [
        ("总投资（亿元）", "总投资", "亿元", None, None),
        ("2022年计划投资（万元）", "计划投资", "万元", 2022, None),
        ("1-9月完成投资（万元）", "完成投资", "万元", None, 9),
        ("1—5月累计\n完成投资", "累计完成投资", None, None, 5),
        ("项目 名称*", "项目名称", None, None, None),
        ("总投资(单位：亿元)", "总投资", "亿元", None, None),
        ("完成率(%)", "完成率", None, None, None),
    ],
)
def test_headers_are_taken_apart(raw, base, unit, year, month):
    parts = v.header_text(raw)
    assert (parts.base, parts.unit, parts.year, parts.month) == (base, unit, year, month)


def test_unit_rows_and_titles():
    assert v.unit_in_text("单位：万元") == "万元"
    assert v.unit_in_text("金额单位：亿元") == "亿元"
    assert v.unit_in_text("制表单位：督查室") is None
    assert v.period_in_text("示范区2022年市重点项目进展情况（1-5月）") == (2022, 5)
    assert v.period_in_text("2021年9月份问题整改台账") == (2021, 9)
    assert v.period_in_text("前三季度") == (None, 9)


# --- properties ------------------------------------------------------------------------------------------------

amounts = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4, allow_nan=False)


@given(amounts)
def test_a_number_with_thousands_separators_reads_back_exactly(amount):
    assert v.parse_decimal(f"{amount:,}") == amount
    assert v.parse_decimal(f"{amount:,}".replace(",", "，")) == amount


@given(amounts)
def test_full_width_digits_read_like_ascii(amount):
    full = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in f"{amount}")
    assert v.parse_decimal(full) == amount


@given(st.decimals(min_value=Decimal(-1000), max_value=Decimal(1000), places=3, allow_nan=False))
def test_percent_text_is_the_ratio(points):
    assert v.parse_percent(f"{points}%") == points / 100


@given(
    st.decimals(min_value=Decimal(0), max_value=Decimal("1e9"), places=2, allow_nan=False),
    st.sampled_from(sorted(v.MONEY_UNITS)),
)
def test_money_to_wan_and_back_is_exact(amount, unit):
    wan = v.to_wan(amount, unit)
    if wan == amount * v.MONEY_UNITS[unit]:  # no rounding below one yuan happened
        assert v.from_wan(wan, unit) == amount


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_every_way_of_writing_a_date_reads_back(day):
    for text in (
        day.isoformat(),
        f"{day.year}.{day.month}.{day.day}",
        f"{day.year}/{day.month:02d}/{day.day:02d}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day:%Y%m%d}",
        f"{day.month}月{day.day}日",
    ):
        assert v.parse_date(text, year=day.year) == day, text


@given(st.integers(min_value=1950, max_value=2099), st.integers(min_value=1, max_value=12))
def test_every_way_of_writing_a_month_reads_back(year, month):
    first = dt.date(year, month, 1)
    for text in (f"{year}.{month}", f"{year}年{month}月", f"{year}-{month:02d}", f"{year}/{month}"):
        assert v.parse_month(text) == first, text


def refusal(parse, raw):
    try:
        parse(raw)
    except v.ValueProblem as problem:
        return problem.message
    return None


@given(st.one_of(st.text(max_size=20), st.integers(), st.floats(), st.booleans(), st.none()))
@example("２０２１年")
@example("#DIV/0!")
def test_parsers_answer_with_a_value_or_a_reason_never_a_crash(raw):
    for parse in (v.parse_decimal, v.parse_percent, v.parse_money, v.parse_date, v.parse_month, v.parse_bool):
        assert refusal(parse, raw) != ""  # a value, or a reason; any other exception fails the test


@given(st.text(max_size=30))
def test_header_parsing_never_crashes(text):
    parts = v.header_text(text)
    assert isinstance(parts.base, str)
