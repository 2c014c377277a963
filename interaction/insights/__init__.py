"""Insights for leaders (考核, 通报): figures computed from the cases and their audit trail.

Nothing here is typed in: every number is an aggregate over `Case`, `CaseEvent`, `Evaluation`,
`ExtensionRequest`, `ReturnRequest` and `SupervisionNotice`, and every number can be opened down
to the cases behind it (`performance.FIGURES` are the filters shared by the aggregates and the
drill-down lists, so the list always has the cases the number counted).

Modules: `periods` (which days a figure covers), `performance` (per department and per district),
`ranking`, `inequality` (Gini, Lorenz), `trends` (counts over time and by category, kind,
district), `report` (the weekly/monthly 通报 and its Excel file), `apis` and `urls` (the REST API),
`models` and `rollups` (the roll-up tables below and their upkeep, `manage.py refresh_rollups`),
`direct` (the same figures aggregated over the cases: the reference).

Speed: daily roll-ups. On PostgreSQL with 1 M cases each grouped aggregate over the cases takes
120–300 ms, and the dashboard needs a dozen. So figures, rankings, Gini, trends, breakdowns and
the report read small roll-up tables (`models`), one row per day the cases were received and
department / district / category / kind (`DepartmentDay`, `DistrictDay`, `CategoryDay`,
`KindDay`), plus `ReplyDay` (cases per day received and day replied, for the trend) and
`PendingDue`. A year is about 6,000 department-day rows: each figure is one small `SUM ... GROUP
BY`, whatever the number of cases. The drill-down lists keep reading the cases (paginated) with
the same `FIGURES` conditions; `direct` keeps the aggregates over the cases as the reference the
tests (and `bench/insights_bench.py`, on 1 M cases) compare the roll-ups with.

How they stay right (`rollups`):
- Nothing is added to the write path. Every change to a case already writes an audit row
  (`CaseEvent`) in its transaction. `refresh` reads the audit rows after the last id it processed
  (`RollupState`), takes the days their cases were received (and the days of later cases of the
  same phone numbers, whose repeat-complaint figure can change) and rewrites those days whole,
  delete + insert in the run's transaction, computed from the cases with the `FIGURES`
  conditions. A case that moved to another department or category leaves its old row in the
  same statement pair; running twice gives the same rows.
- Runs hold the `RollupState` row locked: a second run waits (the command) or skips (a page).
  Audit row ids are handed out before commit, so ids passed over are remembered and looked for
  again for ten minutes (a transaction that commits late is still counted).
- "Due" figures change with time alone (a deadline passes with no write). The roll-ups count
  what a write settled (signed; answered) and keep, in `PendingDue`, the deadlines of the cases
  still unsigned or still with the department; a figure read at any moment adds those whose
  deadline has passed by then, so it equals the direct count at that moment, with no nightly job.
- The working-day averages depend on the work calendar: a run that finds the calendar changed
  (admin overrides, package version) rebuilds everything, as does the first run. `rebuild`
  (`refresh_rollups --rebuild`, and `load_demo_city` at its end) recomputes every day.

How fresh: `manage.py refresh_rollups --every 60` runs in the background (`make run`; cron or a
timer in production, concurrent runs are safe), so the figures are at most about a minute old;
pages say since when ("figures as of …" on the dashboard, `figures_as_of` in the API), and
`weekly_report` refreshes before it reads. In development and tests a page that finds at most
`WENZHENG_ROLLUP_REFRESH_ON_READ` (default 2,000) audit rows waiting also processes them on the
spot, unless a run is going; production sets it to 0, because recomputing a day of a city of a
million cases (~0.1–0.3 s a day here) costs more than a page may take. A change made outside the
services without an audit row (a manual SQL update) is not seen until `--rebuild`.
"""
