"""The rules the program states once for every leaf of a kind (:mod:`clausewise.asp.leafrules`
writes each leaf's own rules and adds these when a leaf needs them).

:data:`GENERIC_RULES`: figures per entity or constant, a comparison where a side is none or
missing, ``any``/``every`` over a window's units; :data:`WITHIN_RULES`: a date in a window;
:data:`MONTH_WITHIN_RULES`: a month in a window (its first and last days); :data:`LISTED_RULES`: a
value in a list field; :data:`SHOWN_UNIT_RULES`: the unit of a quantifier the explanation shows;
:data:`OFFSET_RULES`: date offsets between single dates on day numbers; :data:`CALENDAR_RULES`:
the start or end of a date's month or quarter; :data:`MONTH_EDGE_RULES`: the first or last day of a
month.
"""

from __future__ import annotations

from clausewise.language.check import FIRST_DAY, LAST_DAY, MAX_OFFSET_DAYS
from clausewise.language.sorts import CONVENTION

GENERIC_RULES = """\
% ---- figures: per entity (figure/3, figure_none/2, figure_missing/2 facts) or constant
param(P,V) :- param_default(P,V), not param_overridden(P).
param(P,V) :- param_given(P,V).
param_overridden(P) :- param_given(P,_).
param_overridden(P) :- param_none(P).
value(E,F,V) :- figure(E,F,V).
value(E,F,V) :- entity(E), const(F,V), not stated(F).
none(E,F) :- figure_none(E,F).
none(E,F) :- entity(E), const_none(F).
missing(E,F) :- figure_missing(E,F).
missing(E,F) :- entity(E), const_missing(F).
% the months or days a quantifier walks: unit K of figure F is the figure u(F,K)
value(E,u(F,K),V) :- unit_value(E,F,K,V).
none(E,u(F,K)) :- unit_none(E,F,K).
missing(E,u(F,K)) :- unit_missing(E,F,K).
unit(E,F,K) :- unit_value(E,F,K,_).
unit(E,F,K) :- unit_none(E,F,K).
unit(E,F,K) :- unit_missing(E,F,K).
% a comparison C of sides A and B, a leaf's or one unit's of a quantifier, where a side is none
% or missing (the rules of each leaf decide the others from the two values)
no_value(E,F) :- none(E,F).
no_value(E,F) :- missing(E,F).
comparison(E,L,A,B,O) :- compares(L,A,B,O), no_value(E,A).
comparison(E,L,A,B,O) :- compares(L,A,B,O), no_value(E,B).
comparison(E,(L,K),u(F,K),B,O) :- quantifies(L,F,B,O,left), unit(E,F,K), no_value(E,u(F,K)).
comparison(E,(L,K),u(F,K),B,O) :- quantifies(L,F,B,O,left), unit(E,F,K), no_value(E,B).
comparison(E,(L,K),A,u(F,K),O) :- quantifies(L,F,A,O,right), unit(E,F,K), no_value(E,u(F,K)).
comparison(E,(L,K),A,u(F,K),O) :- quantifies(L,F,A,O,right), unit(E,F,K), no_value(E,A).
% a comparison with none: '=' holds when both sides are none, '!=' when one is; no order holds
none_case(E,C,O,both) :- comparison(E,C,A,B,O), none(E,A), none(E,B).
none_case(E,C,O,one) :- comparison(E,C,A,B,O), none(E,A), value(E,B,_).
none_case(E,C,O,one) :- comparison(E,C,A,B,O), value(E,A,_), none(E,B).
none_case(E,C,O,one) :- comparison(E,C,A,B,O), none(E,A), stated(B), const(B,_).
none_case(E,C,O,one) :- comparison(E,C,A,B,O), stated(A), const(A,_), none(E,B).
compared(E,C,pass) :- none_case(E,C,eq,both).
compared(E,C,fail) :- none_case(E,C,ne,both).
compared(E,C,fail) :- none_case(E,C,eq,one).
compared(E,C,pass) :- none_case(E,C,ne,one).
compared(E,C,fail) :- none_case(E,C,O,_), O != eq, O != ne.
% missing data on either side: the comparison is unknown
compared(E,C,unknown) :- comparison(E,C,A,_,_), missing(E,A).
compared(E,C,unknown) :- comparison(E,C,_,B,_), missing(E,B).
% any|every over a window's units: a unit with the deciding status decides; else an unknown unit
% makes it unknown; else (every unit the other way, or no unit at all) the other status
decides(any,pass). decides(every,fail). otherwise(any,fail). otherwise(every,pass).
unit_seen(E,L,S) :- unit_status(E,L,_,S).
quantifier_status(E,L,unknown) :- quantifier(L,_,W), missing(E,W).
quantifier_status(E,L,S) :- quantifier(L,Q,W), not missing(E,W), decides(Q,S), unit_seen(E,L,S).
quantifier_status(E,L,unknown) :- quantifier(L,Q,W), entity(E), not missing(E,W), decides(Q,D),
    not unit_seen(E,L,D), unit_seen(E,L,unknown).
quantifier_status(E,L,S) :- quantifier(L,Q,W), entity(E), not missing(E,W), decides(Q,D),
    not unit_seen(E,L,D), not unit_seen(E,L,unknown), otherwise(Q,S).
#defined unit_value/4. #defined unit_none/3. #defined unit_missing/3. #defined compares/4.
#defined quantifies/5. #defined quantifier/3. #defined unit_status/4. #defined element/2. #defined stated/1.
#defined has_value/2.
"""

WITHIN_RULES = """\
% ---- a date D in a window (within(L,D,S,T): S and T are the window's start and end days, both in it);
% missing data on any of the three: unknown; else a window that does not exist (its start and end are
% none) or a date that is none: not in it
within_part(L,D) :- within(L,D,_,_).  within_part(L,S) :- within(L,_,S,_).  within_part(L,T) :- within(L,_,_,T).
within_missing(E,L) :- within_part(L,F), missing(E,F).
inside(E,L,unknown) :- within_missing(E,L).
inside(E,L,no) :- within_part(L,F), none(E,F), not within_missing(E,L).
inside(E,L,yes) :- within(L,D,S,T), value(E,D,X), value(E,S,A), value(E,T,B), A <= X, X <= B.
inside(E,L,no) :- within(L,D,S,T), value(E,D,X), value(E,S,A), value(E,T,_), X < A.
inside(E,L,no) :- within(L,D,S,T), value(E,D,X), value(E,S,_), value(E,T,B), X > B.
"""

MONTH_WITHIN_RULES = """\
% ---- a month in a window (month_in(L), with within((L,first),F,S,T) and within((L,last),Z,S,T): F and Z
% are the month's first and last days): in it when both days are; unknown when either is; else not in it
month_unknown(E,L) :- month_in(L), inside(E,(L,_),unknown).
month_inside(E,L,unknown) :- month_unknown(E,L).
month_inside(E,L,yes) :- month_in(L), inside(E,(L,first),yes), inside(E,(L,last),yes).
month_inside(E,L,no) :- month_in(L), inside(E,(L,_),no), not month_unknown(E,L).
#defined month_in/1.
"""

LISTED_RULES = """\
% ---- a value V in a list field (listed(L,V,C): the list's items are units of figure C, in order);
% missing data on either side: unknown; else a value or a list that is none: not in it
listed_item(E,L) :- listed(L,V,C), value(E,V,X), unit_value(E,C,_,X).
list_missing(E,L) :- listed(L,V,_), missing(E,V).  list_missing(E,L) :- listed(L,_,C), missing(E,C).
in_list(E,L,unknown) :- list_missing(E,L).
in_list(E,L,no) :- listed(L,V,_), none(E,V), not list_missing(E,L).
in_list(E,L,no) :- listed(L,_,C), none(E,C), not list_missing(E,L).
in_list(E,L,yes) :- listed_item(E,L).
in_list(E,L,no) :- listed(L,V,C), value(E,V,_), not none(E,C), not missing(E,C), not listed_item(E,L).
"""

SHOWN_UNIT_RULES = """\
% the unit of a quantifier the explanation shows (shown_unit/3): the first with the deciding status,
% else the first unknown one; none when every unit goes the other way (or there is none)
shown_unit(E,L,K) :- quantifier(L,Q,_), decides(Q,S), unit_seen(E,L,S), K = #min{ J : unit_status(E,L,J,S) }.
shown_unit(E,L,K) :- quantifier(L,Q,_), decides(Q,D), unit_seen(E,L,unknown), not unit_seen(E,L,D),
    K = #min{ J : unit_status(E,L,J,unknown) }.
"""

OFFSET_RULES = f"""\
% ---- date offsets between single dates, on day numbers ({FIRST_DAY} = 0001-01-01 .. {LAST_DAY} = 9999-12-31);
% every operand is a day number or an offset of at most {MAX_OFFSET_DAYS:,} days (checked), so no sum leaves 32 bits
calendar({FIRST_DAY},{LAST_DAY}).
% day_shift(F,B,K): F = B + K days (d + 1 day, d - 30 days); a day beyond the calendar is not known
value(E,F,V) :- day_shift(F,B,K), value(E,B,D), V = D + K, calendar(L,H), L <= V, V <= H.
missing(E,F) :- day_shift(F,B,K), value(E,B,D), calendar(L,_), D + K < L.
missing(E,F) :- day_shift(F,B,K), value(E,B,D), calendar(_,H), D + K > H.
% period_end(F,B,N): F = end of N days from B, under the day-count convention C-4 (a parameter): the start
% day is day 1 (B + N - 1), or excluded (B + N); a period past the calendar's end is cut there
period_extra(0) :- param("{CONVENTION}","start_day_is_day_1").
period_extra(1) :- param("{CONVENTION}","start_day_excluded").
value(E,F,V) :- period_end(F,B,N), value(E,B,D), period_extra(X), V = D + N - 1 + X, calendar(_,H), V <= H.
value(E,F,H) :- period_end(F,B,N), value(E,B,D), period_extra(X), calendar(_,H), D + N - 1 + X > H.
% day_diff(F,A,B): F = A - B, the days from B to A, a number term (|A - B| < {LAST_DAY:,} < 10^9: one limb)
value(E,F,q(1,1,(V,()))) :- day_diff(F,A,B), value(E,A,X), value(E,B,Y), V = X - Y, V > 0.
value(E,F,q(0,0,())) :- day_diff(F,A,B), value(E,A,X), value(E,B,X).
value(E,F,q(-1,-1,(V,#sup))) :- day_diff(F,A,B), value(E,A,X), value(E,B,Y), V = X - Y, V < 0.
% a date that is missing makes the offset missing; else one that is none makes it none
offset_of(F,B) :- day_shift(F,B,_).  offset_of(F,B) :- period_end(F,B,_).
offset_of(F,A) :- day_diff(F,A,_).  offset_of(F,B) :- day_diff(F,_,B).  offset_of(F,B) :- calendar_edge(F,B,_,_,_).
missing(E,F) :- offset_of(F,B), missing(E,B).
none(E,F) :- offset_of(F,B), none(E,B), not missing(E,F).
#defined day_shift/3. #defined period_end/3. #defined day_diff/3. #defined calendar_edge/5.
"""

CALENDAR_RULES = """\
% ---- the start or end of the month or quarter of a date (calendar_edge(F,B,start|end,month|quarter,Previous):
% F = that edge of the period holding date B, or of the one before when Previous = 1), on day numbers
% (date.toordinal(): 0001-01-01 = 1). The year and month of a day number, and the day number of a year's
% month's first day, by Howard Hinnant's civil calendar arithmetic (days_from_civil, civil_from_days:
% proleptic Gregorian, 400-year eras); every operand is below 4 million, far inside 32 bits
period_months(month,1). period_months(quarter,3).
% the year and month of date B: M0 = M - 1 and months counted from year 0, YM = 12 * Y + M0
year_month(E,F,12 * (Yoe + Era * 400 + Mp / 10) + Mp + 2 - 12 * (Mp / 10)) :- calendar_edge(F,B,_,_,_), value(E,B,D),
    Z = D + 305, Era = Z / 146097, Doe = Z - Era * 146097, Yoe = (Doe - Doe / 1460 + Doe / 36524 - Doe / 146096) / 365,
    Doy = Doe - (365 * Yoe + Yoe / 4 - Yoe / 100), Mp = (5 * Doy + 2) / 153.
% the first month (counted from year 0) of the period: the month, or the quarter's first; L months earlier for the previous
period_from(E,F,YM - L * P,L) :- calendar_edge(F,_,_,month,P), year_month(E,F,YM), period_months(month,L).
period_from(E,F,YM - YM \\ 12 + (YM \\ 12) / 3 * 3 - L * P,L) :- calendar_edge(F,_,_,quarter,P), year_month(E,F,YM),
    period_months(quarter,L).
% the first day of the period and of the next one, as day numbers (days_from_civil of that month's first day)
first_day(E,F,start,S) :- period_from(E,F,S,_), S >= 12.
first_day(E,F,next,S + L) :- period_from(E,F,S,L), S >= 12.
month_start(E,F,W,Era * 146097 + Yoe * 365 + Yoe / 4 - Yoe / 100 + (153 * Mp + 2) / 5 - 305) :- first_day(E,F,W,YM),
    Y = YM / 12, M = YM \\ 12 + 1, A = (14 - M) / 12, Era = (Y - A) / 400, Yoe = Y - A - Era * 400, Mp = M + 12 * A - 3.
value(E,F,V) :- calendar_edge(F,_,start,_,_), month_start(E,F,start,V).
value(E,F,V - 1) :- calendar_edge(F,_,end,_,_), month_start(E,F,next,V).
% a period that starts before the calendar (the month or quarter before 0001-01) is not known
missing(E,F) :- period_from(E,F,S,_), S < 12.
"""

MONTH_EDGE_RULES = """\
% ---- the first or last day of a month M (month_edge(F,M,start|end)): M's value is its month number (YM of
% CALENDAR_RULES), whose first day and the next month's CALENDAR_RULES compute
period_from(E,F,YM,1) :- month_edge(F,M,_), value(E,M,YM).
value(E,F,V) :- month_edge(F,_,start), month_start(E,F,start,V).
value(E,F,V - 1) :- month_edge(F,_,end), month_start(E,F,next,V).
offset_of(F,M) :- month_edge(F,M,_).
#defined month_edge/3.
"""
