"""Schedule expressions of Application Auto Scaling scheduled actions (at, rate, cron in a time zone), as the
Application Auto Scaling user guide's cron reference defines them."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from local_aws.control_plane.schedules import latest_due

BERLIN = ZoneInfo("Europe/Berlin")


def epoch(*parts, zone=UTC):
    return datetime(*parts, tzinfo=zone).timestamp()


def test_weekday_mornings_in_a_time_zone():
    mornings = "cron(0 7 ? * MON-FRI *)"
    friday_night, monday_noon = epoch(2026, 12, 4, 22, 0), epoch(2026, 12, 7, 12, 0)  # Fri 4 Dec .. Mon 7 Dec
    assert latest_due(mornings, "Europe/Berlin", friday_night, monday_noon) == epoch(2026, 12, 7, 7, 0, zone=BERLIN)
    assert latest_due(mornings, "Europe/Berlin", friday_night, epoch(2026, 12, 7, 5, 59)) is None  # 06:59 Berlin
    assert latest_due(mornings, None, friday_night, monday_noon) == epoch(2026, 12, 7, 7, 0)  # UTC without a zone


def test_a_jump_over_several_times_gives_the_latest_once():
    hourly = "cron(0 * * * ? *)"
    assert latest_due(hourly, None, epoch(2026, 1, 1, 0, 30), epoch(2026, 1, 1, 5, 10)) == epoch(2026, 1, 1, 5, 0)
    assert latest_due(hourly, None, epoch(2026, 1, 1, 5, 10), epoch(2026, 1, 1, 5, 50)) is None


@pytest.mark.parametrize("expression, after, due", [
    ("cron(30 6 ? * MON *)", (2026, 12, 6), (2026, 12, 7, 6, 30)),       # the guide's example: Mondays 06:30
    ("cron(0 18 L * ? *)", (2026, 2, 1), (2026, 2, 28, 18, 0)),          # last day of the month
    ("cron(0 9 ? * 2#1 *)", (2026, 12, 1), (2026, 12, 7, 9, 0)),         # first Monday (2 = MON)
    ("cron(0 9 ? * 6L *)", (2026, 12, 1), (2026, 12, 25, 9, 0)),         # last Friday
    ("cron(0/15 8-9 1,15 JAN-MAR ? 2027)", (2026, 12, 31), (2027, 1, 1, 8, 0)),
])
def test_cron_fields(expression, after, due):
    start = epoch(*after)
    assert latest_due(expression, None, start, epoch(*due)) == epoch(*due)
    assert latest_due(expression, None, start, epoch(*due) - 1) is None


def test_rate_counts_from_the_start_time():
    start = epoch(2026, 1, 1, 0, 0)
    assert latest_due("rate(6 hours)", None, start, start + 5 * 3600, start_time=start) is None
    assert latest_due("rate(6 hours)", None, start, start + 13 * 3600, start_time=start) == start + 12 * 3600
    assert latest_due("rate(1 day)", None, start, start + 86400, start_time=start) == start + 86400


def test_at_in_its_zone_and_the_window():
    when = epoch(2030, 6, 1, 12, 0, zone=BERLIN)
    assert latest_due("at(2030-06-01T12:00:00)", "Europe/Berlin", when - 60, when + 60) == when
    assert latest_due("at(2030-06-01T12:00:00)", "Europe/Berlin", when, when + 60) is None  # already applied
    assert latest_due("at(2030-06-01T12:00:00)", None, when - 60, when + 60, end_time=when - 1) is None
    assert latest_due("cron(0 12 * * ? *)", None, when - 86400 * 3, when + 60,
                      start_time="2030-06-05T00:00:00Z") is None  # not started yet


@pytest.mark.parametrize("expression", ["cron(0 7 * * MON *)", "cron(0 7 ? *)", "cron(61 7 ? * MON *)",
                                        "rate(5 weeks)", "every day"])
def test_bad_expressions_are_refused(expression):
    with pytest.raises(ValueError):
        latest_due(expression, None, 0, 1e9)
