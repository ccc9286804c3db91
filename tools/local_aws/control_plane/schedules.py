"""Schedule expressions of Application Auto Scaling scheduled actions, as its user guide defines them:
`at(yyyy-mm-ddThh:mm:ss)`, `rate(value unit)` and `cron(Minutes Hours Day-of-month Month Day-of-week Year)`,
in the action's Timezone (an IANA name; UTC when none).

Cron fields take `*`, single values, ranges `a-b`, lists `a,b`, increments `a/n`, `*/n` and `a-b/n`; months
JAN-DEC and days SUN-SAT by name (Day-of-week 1-7 is SUN-SAT); `?` in one of the two day fields; `L` (last day)
in Day-of-month and `n#k` (the k-th weekday n of the month) and `nL` (its last one) in Day-of-week.
Pure functions of their arguments: the control plane gives them plane time."""
import calendar
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

AT = re.compile(r"^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$")
RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
CRON = re.compile(r"^cron\((.+)\)$")
MONTHS = {name: i + 1 for i, name in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())}
DAYS = {name: i + 1 for i, name in enumerate("SUN MON TUE WED THU FRI SAT".split())}
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
HORIZON_DAYS = 366 * 5  # a cron expression with no match within this many days never fires


def _values(field, low, high, names=None):
    """The set of values a cron field (no L or #) selects within [low, high]."""
    selected = set()
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", "?"):
            first, last = low, high
        elif "-" in part:
            first, last = (_value(p, names) for p in part.split("-", 1))
        else:
            first = _value(part, names)
            last = high if step > 1 else first
        if not low <= first <= high or not low <= last <= high:
            raise ValueError(f"cron value {part} is outside {low}-{high}")
        selected.update(range(first, last + 1, step))
    return selected


def _value(text, names):
    return (names or {}).get(text.upper()) or int(text)


class Cron:
    """One cron(...) expression."""

    def __init__(self, expression):
        fields = expression.split()
        if len(fields) != 6:
            raise ValueError(f"cron needs six fields, got {len(fields)}: {expression}")
        minutes, hours, self.dom, months, self.dow, years = fields
        if (self.dom == "?") == (self.dow == "?"):
            raise ValueError("cron needs ? in exactly one of Day-of-month and Day-of-week")
        self.minutes = sorted(_values(minutes, 0, 59))
        self.hours = sorted(_values(hours, 0, 23))
        self.months = _values(months, 1, 12, MONTHS)
        self.years = _values(years, 1970, 2199)
        self.dom_values = None if self.dom in ("?", "L") else _values(self.dom, 1, 31)
        self.dow_values = None if self.dow == "?" or "#" in self.dow or self.dow.endswith("L") else \
            _values(self.dow, 1, 7, DAYS)

    def day_matches(self, day):
        if day.year not in self.years or day.month not in self.months:
            return False
        last = calendar.monthrange(day.year, day.month)[1]
        if self.dom != "?":
            return day.day == last if self.dom == "L" else day.day in self.dom_values
        weekday = (day.weekday() + 1) % 7 + 1  # Python MON=0 -> cron SUN=1 ... SAT=7
        if "#" in self.dow:
            name, nth = self.dow.split("#")
            return weekday == _value(name, DAYS) and (day.day - 1) // 7 + 1 == int(nth)
        if self.dow.endswith("L"):
            return weekday == _value(self.dow[:-1], DAYS) and day.day + 7 > last
        return weekday in self.dow_values

    def next_after(self, moment):
        """The first time of the expression strictly after `moment` (an aware datetime in the schedule's zone)."""
        start = (moment + timedelta(minutes=1)).replace(second=0, microsecond=0)
        day = start.date()
        for _ in range(HORIZON_DAYS):
            if self.day_matches(day):
                for hour in self.hours:
                    for minute in self.minutes:
                        candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=moment.tzinfo)
                        if candidate >= start:
                            return candidate
            day += timedelta(days=1)
        return None


def _epoch(value):
    """StartTime/EndTime as stored: epoch seconds, an ISO 8601 text or nothing."""
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime):
        return value.timestamp()
    text = str(value)
    try:
        return float(text)
    except ValueError:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def latest_due(schedule, timezone, after, now, start_time=None, end_time=None):
    """The epoch seconds of the schedule's latest time in (after, now], within [start_time, end_time], or None:
    what a scheduler that last looked at `after` must apply at `now`. Raises ValueError for a bad expression."""
    zone = ZoneInfo(timezone) if timezone else UTC
    start, end = _epoch(start_time), _epoch(end_time)
    low = max(after, start - 1e-6) if start is not None else after
    high = min(now, end) if end is not None else now
    if high <= low:
        return None
    if match := AT.match(schedule):
        when = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=zone).timestamp()
        return when if low < when <= high else None
    if match := RATE.match(schedule):
        period = int(match.group(1)) * UNIT_SECONDS[match.group(2).rstrip("s")]
        origin = start if start is not None else after
        count = int((high - origin) // period)
        when = origin + count * period
        return when if count >= 1 and when > low else None
    if match := CRON.match(schedule):
        cron = Cron(match.group(1))
        latest, moment = None, datetime.fromtimestamp(low, zone)
        while (candidate := cron.next_after(moment)) is not None and candidate.timestamp() <= high:
            latest, moment = candidate.timestamp(), candidate
        return latest
    raise ValueError(f"not a schedule expression: {schedule}")
