"""Insights for leaders (考核, 通报): figures computed from the cases and their audit trail.

Nothing here is typed in: every number is an aggregate over `Case`, `CaseEvent`, `Evaluation`,
`ExtensionRequest`, `ReturnRequest` and `SupervisionNotice`, and every number can be opened down
to the cases behind it (`performance.FIGURES` are the filters shared by the aggregates and the
drill-down lists, so the list always has the cases the number counted).

Modules: `periods` (which days a figure covers), `performance` (per department and per district),
`ranking`, `inequality` (Gini, Lorenz), `trends` (counts over time and by category, kind,
district), `report` (the weekly/monthly 通报 and its Excel file), `apis` and `urls` (the REST API).

Speed (design note). On PostgreSQL with 1 M cases each grouped aggregate here takes
120–300 ms (as measured for this project), so a dashboard with a dozen of them takes seconds.
The way to milliseconds is a daily roll-up table, `CaseDay(date, department, district, category, kind,
received, replied, replied_on_time, reply_due, signed_on_time, sign_due, evaluations, satisfied,
double_satisfied, solved, redone, returned, extended, working_days_total)`, keyed by the day the
case was received. It is recomputed for the affected (day, department) rows by the services
right after they change a case (one `transaction.on_commit` hook in `workflow.apply_transition`
and in the evaluation, return and extension services: the case's creation day is known), plus a
nightly command that rebuilds yesterday and every day touched by "due" figures (a deadline
passing changes `reply_due` without any write). The figures below would then sum roll-up rows
instead of scanning cases; the drill-down lists keep reading cases (they are paginated). Not
built yet: at the sizes of a pilot city (< 100 k cases a year) the direct aggregates answer in
well under a second.
"""
