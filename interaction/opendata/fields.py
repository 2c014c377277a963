"""Every field of the open-data files: name, type, meaning and masking.

One source for the export (the column order of the CSV files, the keys of the JSON objects),
the open-data page and `docs/open-data.md` (a test checks that the document lists every field).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # string, integer, number, datetime, date, array
    meaning: Any  # lazy translation
    masking: Any = ""  # what is hidden, when the value is text people wrote
    csv: bool = True  # False: in the JSON file only (nested values)


MASKED = _(
    "Masked as on the public pages: ID numbers, phone numbers, bank cards, plates, e-mail "
    "addresses, the writer's name and the staff's masking rules are replaced by stars."
)

CASE_FIELDS: tuple[Field, ...] = (
    Field("tracking_no", "string", _("Tracking number of the case (受理编号).")),
    Field("url", "string", _("Address of the case's public page.")),
    Field(
        "kind", "string", _("Kind of message: consultation, help, complaint, suggestion, report.")
    ),
    Field("kind_label", "string", _("The kind, in words.")),
    Field("category_code", "string", _("Code of the topic category.")),
    Field("category", "string", _("Topic category (top level / category).")),
    Field("department", "string", _("The department that answered (lead department).")),
    Field("district", "string", _("District the message concerns; empty if none was given.")),
    Field("status", "string", _("Status of the case: replied, or closed after evaluation.")),
    Field("subject", "string", _("Subject of the message."), MASKED),
    Field("body", "string", _("The citizen's message."), MASKED),
    Field("reply", "string", _("The department's reply as published (the latest one)."), MASKED),
    Field("received_at", "datetime", _("When the message was received (ISO 8601, +08:00).")),
    Field("reply_deadline", "datetime", _("The reply deadline in force (working days).")),
    Field("replied_at", "datetime", _("When the reply was published (ISO 8601, +08:00).")),
    Field(
        "timeline",
        "array",
        _(
            "The public steps of the case, oldest first: at (datetime), action (code), label, "
            "department. Internal steps and the people who acted are not included."
        ),
        csv=False,
    ),
)

STATISTICS_FIELDS: tuple[Field, ...] = (
    Field("period_start", "date", _("First day of the period (cases received from that day).")),
    Field("period_end", "date", _("Last day of the period (included).")),
    Field("unit_type", "string", _("department, district, or total (the whole city).")),
    Field("unit_id", "integer", _("Identifier of the department or district; empty for total.")),
    Field("unit", "string", _("Name of the department or district.")),
    Field("rank", "integer", _("Rank by the composite score; empty when not ranked.")),
    Field("not_ranked_reason", "string", _("Why the unit is not ranked (too few cases…).")),
    Field("score", "number", _("Composite score, 0–100 (see the statistics page).")),
    Field("received", "integer", _("Cases received in the period.")),
    Field("replied", "integer", _("Of those, cases that were replied to.")),
    Field("reply_due", "integer", _("Cases whose reply was due (answered, or deadline passed).")),
    Field("replied_on_time", "integer", _("Of those, cases answered by the deadline.")),
    Field("evaluations", "integer", _("Citizens' evaluations of the cases received.")),
    Field("satisfied", "integer", _("Evaluations whose result is satisfied or basically.")),
    Field("double_satisfied", "integer", _("Evaluations satisfied with attitude and result.")),
    Field("solved", "integer", _("Evaluations saying the problem was solved.")),
    Field("working_days_cases", "integer", _("Replied cases counted in the working days.")),
    Field("reply_rate", "number", _("replied / received (0–1).")),
    Field("reply_on_time_rate", "number", _("replied_on_time / reply_due (0–1).")),
    Field("satisfaction_rate", "number", _("satisfied / evaluations (0–1).")),
    Field("double_satisfaction_rate", "number", _("double_satisfied / evaluations (0–1).")),
    Field("solved_rate", "number", _("solved / evaluations (0–1).")),
    Field("avg_working_days", "number", _("Mean working days from dispatch to the reply.")),
    Field("computed_at", "datetime", _("When the figures were computed.")),
)

INDEX_FIELDS: tuple[Field, ...] = (
    Field("name", "string", _("File name.")),
    Field("kind", "string", _("cases or statistics.")),
    Field("format", "string", _("csv or json.")),
    Field("date", "date", _("The day the file is about.")),
    Field("rows", "integer", _("Number of records.")),
    Field("bytes", "integer", _("Size of the file.")),
    Field("sha256", "string", _("SHA-256 of the file, to check a download.")),
    Field("written_at", "datetime", _("When the file was written.")),
)


def csv_columns(fields: tuple[Field, ...]) -> list[str]:
    return [f.name for f in fields if f.csv]
