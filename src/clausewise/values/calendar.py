"""Calendar windows: a run of days, from a start day to an end day, both included.

The calendar runs from 0001-01-01 to 9999-12-31 (Python's dates). A window computed past
either end (``30 days from 9999-12-20``, ``last 3 months to 0001-02-01``) is cut at the
calendar's end, which leaves the days it contains unchanged: no day beyond exists, so no row
can fall there. A window wholly beyond the calendar, and a day computed beyond it
(:func:`add_days`), raise :class:`OutOfCalendar`, which the evaluation reports as a missing
value with its reason, never as an exception.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator

from clausewise.values.valuetypes import CALENDAR, Month, OutOfCalendar

_FIRST, _LAST = dt.date.min.toordinal(), dt.date.max.toordinal()
_FIRST_MONTH, _LAST_MONTH = Month(1, 1).index, Month(9999, 12).index


#: the most days a condition walks one by one (``any day d in W``, ``first day d in W``, a day-count)
MAX_WALKED_DAYS = 36_525


class WindowTooLong(ValueError):
    """A window too long to walk day by day (see :data:`MAX_WALKED_DAYS`)."""


@dataclass(frozen=True, order=True)
class Window:
    start: dt.date
    end: dt.date
    #: True when the window is made of whole natural months (iterate it by month).
    by_month: bool = False

    def __str__(self) -> str:
        if self.by_month:
            first, last = Month.of(self.start), Month.of(self.end)
            return str(first) if first == last else f"{first}..{last}"
        return str(self.start) if self.start == self.end else f"{self.start}..{self.end}"

    def contains(self, value: object) -> bool:
        if isinstance(value, Month):
            return self.start <= value.first_day and value.last_day <= self.end
        return self.start <= value <= self.end  # type: ignore[operator]

    def days(self) -> Iterator[dt.date]:
        """Each day of the window, in order; a window longer than :data:`MAX_WALKED_DAYS` is not
        walked at all (``as_of`` 9999-12-31 with a look-back from 2024 would take hours, and a rule's
        history costs a rule evaluation per day): :class:`WindowTooLong` before the first day, which
        the evaluation reports as an unknown value with its reason (:meth:`too_long`)."""
        if self.length > MAX_WALKED_DAYS:
            raise WindowTooLong(self.too_long())
        for ordinal in range(self.start.toordinal(), self.end.toordinal() + 1):
            yield dt.date.fromordinal(ordinal)

    def too_long(self) -> str:
        """Why this window is not walked day by day."""
        return (f"the window {self} has {self.length:,} days, longer than {MAX_WALKED_DAYS:,} days (100 years) "
                f"to walk day by day")

    def months(self) -> Iterator[Month]:
        for index in range(Month.of(self.start).index, Month.of(self.end).index + 1):
            yield Month.at(index)

    @property
    def length(self) -> int:
        return (self.end - self.start).days + 1


def add_days(day: dt.date, days: int) -> dt.date:
    """``day + days``; OutOfCalendar when that day is beyond the calendar."""
    ordinal = day.toordinal() + days
    if not _FIRST <= ordinal <= _LAST:
        raise OutOfCalendar(f"{day} {'+' if days >= 0 else '-'} {abs(days)} days is beyond {CALENDAR}")
    return dt.date.fromordinal(ordinal)


def days_window(start: int, end: int, what: str) -> Window:
    """The days with ordinals ``start`` .. ``end``, cut at the calendar's ends."""
    first, last = max(start, _FIRST), min(end, _LAST)
    if first > last:
        raise OutOfCalendar(f"{what} is beyond {CALENDAR}")
    return Window(dt.date.fromordinal(first), dt.date.fromordinal(last))


def month_window(month: Month) -> Window:
    return Window(month.first_day, month.last_day, True)


def months_window(first: Month, last: Month) -> Window:
    return Window(first.first_day, last.last_day, True)


def natural_months_problem(window: Window, months: int, ends_by: dt.date | None) -> str | None:
    """What keeps ``window`` from being ``months`` whole natural months ending no later than
    ``ends_by`` (``window of 3 natural months ending by as_of``), or None when it is."""
    first, last = Month.of(window.start), Month.of(window.end)
    if window.start != first.first_day or window.end != last.last_day:
        return f"{window} is not whole natural months (it must start on a month's first day and end on a month's last)"
    count = last.index - first.index + 1
    if count != months:
        return f"{window} is {count} natural month{'s' if count != 1 else ''}, not {months}"
    if ends_by is not None and window.end > ends_by:
        return f"{window} ends on {window.end}, after the as-of date {ends_by}"
    return None


def latest_natural_months(months: int, ends_by: dt.date) -> Window:
    """The last ``months`` whole natural months that end no later than ``ends_by`` (a hint)."""
    last = Month.of(ends_by) if ends_by == Month.of(ends_by).last_day else Month.of(ends_by).shift(-1)
    return months_window(last.shift(1 - months), last)


def month_span(first: int, last: int, what: str) -> Window:
    """The months with indexes ``first`` .. ``last`` (:attr:`Month.index`), cut at the calendar's ends."""
    first, last = max(first, _FIRST_MONTH), min(last, _LAST_MONTH)
    if first > last:
        raise OutOfCalendar(f"{what} is beyond {CALENDAR}")
    return months_window(Month.at(first), Month.at(last))


def quarter_of(day: dt.date, previous: bool = False) -> Window:
    first = Month(day.year, (day.month - 1) // 3 * 3 + 1).index - (3 if previous else 0)
    return month_span(first, first + 2, f"the {'previous ' if previous else ''}quarter of {day}")


def shifted_month(day: dt.date, months: int) -> Window:
    """The month of ``day``, ``months`` later (``previous month of d``: -1)."""
    index = Month.of(day).index + months
    what = {0: "the month", -1: "the previous month"}.get(months, f"the month {months:+d} from that")
    return month_span(index, index, f"{what} of {day}")


def last_n(count: int, unit: str, end: dt.date) -> Window:
    """``last 30 days to d`` = d-29 .. d; ``last 3 months to d`` = the 3 months ending with d's."""
    what = f"the last {count} {unit} to {end}"
    if unit == "months":
        last = Month.of(end).index
        return month_span(last + 1 - count, last, what)
    return days_window(end.toordinal() - count + 1, end.toordinal(), what)


def n_days_from(count: int, start: dt.date, convention: str) -> Window:
    """A period of N days from a start day under convention C-4.

    ``start_day_is_day_1``: start .. start+N-1. ``start_day_excluded`` (Civil Code art. 201):
    the N days are start+1 .. start+N, and a restriction starting on the start day still
    applies on it, so the window is start .. start+N.
    """
    extra = 0 if convention == "start_day_is_day_1" else 1
    return days_window(start.toordinal(), start.toordinal() + count - 1 + extra, f"{count} days from {start}")


def parse_window(text: str) -> Window:
    """``2024-01..2024-03``, ``2023-12-01..2024-02-29``, ``2024-02`` or ``2024-02-29``."""
    parts = [p.strip() for p in text.split("..")]
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2:
        raise ValueError(f"not a window: {text!r} (write 2024-01..2024-03 or 2023-12-01..2024-02-29)")
    if all(len(p) == 7 for p in parts):
        first, last = Month.parse(parts[0]), Month.parse(parts[1])
        if last < first:
            raise ValueError(f"the window ends before it starts: {text!r}")
        return months_window(first, last)
    try:
        start, end = dt.date.fromisoformat(parts[0]), dt.date.fromisoformat(parts[1])
    except ValueError:
        raise ValueError(f"not a window: {text!r} (write 2024-01..2024-03 or 2023-12-01..2024-02-29)") from None
    if end < start:
        raise ValueError(f"the window ends before it starts: {text!r}")
    return Window(start, end)
