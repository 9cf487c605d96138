"""Calendar windows: a run of days, from a start day to an end day, both included."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator

from clausewise.values.valuetypes import Month


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
        day = self.start
        while day <= self.end:
            yield day
            day += dt.timedelta(days=1)

    def months(self) -> Iterator[Month]:
        month, last = Month.of(self.start), Month.of(self.end)
        while month <= last:
            yield month
            month = month.shift(1)

    @property
    def length(self) -> int:
        return (self.end - self.start).days + 1


def month_window(month: Month) -> Window:
    return Window(month.first_day, month.last_day, True)


def months_window(first: Month, last: Month) -> Window:
    return Window(first.first_day, last.last_day, True)


def quarter_of(day: dt.date, previous: bool = False) -> Window:
    first = Month(day.year, (day.month - 1) // 3 * 3 + 1)
    if previous:
        first = first.shift(-3)
    return months_window(first, first.shift(2))


def last_n(count: int, unit: str, end: dt.date) -> Window:
    """``last 30 days to d`` = d-29 .. d; ``last 3 months to d`` = the 3 months ending with d's."""
    if unit == "months":
        last = Month.of(end)
        return months_window(last.shift(1 - count), last)
    return Window(end - dt.timedelta(days=count - 1), end)


def n_days_from(count: int, start: dt.date, convention: str) -> Window:
    """A period of N days from a start day under convention C-4.

    ``start_day_is_day_1``: start .. start+N-1. ``start_day_excluded`` (Civil Code art. 201):
    the N days are start+1 .. start+N, and a restriction starting on the start day still
    applies on it, so the window is start .. start+N.
    """
    extra = 0 if convention == "start_day_is_day_1" else 1
    return Window(start, start + dt.timedelta(days=count - 1 + extra))


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
