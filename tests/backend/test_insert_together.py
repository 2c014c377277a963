"""`insert_together`: a new row and the rows pointing at it, stored as `save()` and
`bulk_create()` store them (one statement on PostgreSQL, the ORM elsewhere)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Model

from backend.insert_together import insert_together
from interaction.models import Case, CaseEvent, Notification
from interaction.states import Status
from tests.factories import World


def new_case(world: World, tracking_no: str) -> Case:
    return Case(
        tracking_no=tracking_no,
        citizen=world.citizen,
        contact_phone="13800138000",
        kind="complaint",
        subject="路灯不亮",
        body="经三路的路灯已经坏了一周，晚上很黑。",
        district=world.east,
        street=world.east_street,
        address="经三路 12 号",
        status=Status.DISPATCHED,
        lead_department=world.city_roads,
        category=world.road_repair,
        suggestions=[{"code": "roads", "p": 0.97}],
        prediction_confidence=0.97,
        auto_dispatched=True,
    )


def children(world: World, case: Case) -> tuple[list[CaseEvent], list[Notification]]:
    events = [
        CaseEvent(
            case=case, action="submitted", to_status="submitted", actor=world.citizen, data={}
        ),
        CaseEvent(
            case=case,
            action="dispatch",
            from_status="submitted",
            to_status="dispatched",
            actor_role="system",
            department=world.city_roads,
            data={"note": "引号 ' 和 % 也照存"},
            is_public=False,
        ),
    ]
    notes = [
        Notification(recipient=user, case=case, verb="dispatched", text="新工单")
        for user in (world.liaison, world.head)
    ]
    return events, notes


def stored(obj: Model, *, skip: set[str]) -> dict[str, Any]:
    """A row's stored values, read back from the database."""
    fresh = type(obj)._default_manager.get(pk=obj.pk)
    return {
        f.attname: getattr(fresh, f.attname)
        for f in type(obj)._meta.concrete_fields
        if f.attname not in skip
    }


def test_the_rows_are_written_and_know_their_keys(world: World) -> None:
    case = new_case(world, "T0001")
    events, notes = children(world, case)
    insert_together(case, [("case", events), ("case", notes), ("case", [])])
    assert case.pk is not None
    assert not case._state.adding
    assert Case.objects.get(pk=case.pk).tracking_no == "T0001"
    assert [e.pk for e in events] == list(
        CaseEvent.objects.filter(case=case).order_by("pk").values_list("pk", flat=True)
    )
    assert [n.pk for n in notes] == list(
        Notification.objects.filter(case=case).order_by("pk").values_list("pk", flat=True)
    )
    assert all(row.case_id == case.pk and not row._state.adding for row in [*events, *notes])
    assert case.created_at is not None
    assert case.updated_at is not None


@pytest.mark.postgres
def test_the_same_values_as_save_and_bulk_create(world: World) -> None:
    by_orm = new_case(world, "T0002")
    by_orm.save(force_insert=True)
    orm_events, orm_notes = children(world, by_orm)
    CaseEvent.objects.bulk_create(orm_events)
    Notification.objects.bulk_create(orm_notes)

    together = new_case(world, "T0003")
    events, notes = children(world, together)
    insert_together(together, [("case", events), ("case", notes)])

    own = {"id", "tracking_no", "access_token", "created_at", "updated_at", "case_id"}
    assert stored(together, skip=own) == stored(by_orm, skip=own)
    for mine, theirs in zip([*events, *notes], [*orm_events, *orm_notes], strict=True):
        assert stored(mine, skip=own) == stored(theirs, skip=own)
    assert stored(events[1], skip=set())["data"] == {"note": "引号 ' 和 % 也照存"}


@pytest.mark.postgres
def test_a_failure_writes_nothing_and_leaves_the_transaction_usable(world: World) -> None:
    insert_together(new_case(world, "T0004"), [])
    cases, events = Case.objects.count(), CaseEvent.objects.count()
    duplicate = new_case(world, "T0004")
    rows, _notes = children(world, duplicate)
    with transaction.atomic():
        with pytest.raises(IntegrityError, match="tracking_no"):
            insert_together(duplicate, [("case", rows)])
        # Still usable: the caller may try again with another number.
        assert (Case.objects.count(), CaseEvent.objects.count()) == (cases, events)
        duplicate.tracking_no = "T0005"
        insert_together(duplicate, [("case", rows)])
    assert CaseEvent.objects.filter(case__tracking_no="T0005").count() == 2


def test_nothing_is_written_when_the_condition_does_not_hold(world: World) -> None:
    table = Case._meta.db_table
    unused = (f"(SELECT COUNT(*) FROM {table} WHERE tracking_no = %s) = 0", ["T0006"])  # noqa: S608
    first = new_case(world, "T0006")
    assert insert_together(first, [("case", children(world, first)[0])], only_if=unused)
    counts = (Case.objects.count(), CaseEvent.objects.count(), Notification.objects.count())

    second = new_case(world, "T0007")
    events, notes = children(world, second)
    assert not insert_together(second, [("case", events), ("case", notes)], only_if=unused)
    assert (Case.objects.count(), CaseEvent.objects.count(), Notification.objects.count()) == (
        counts
    )
    assert second.pk is None
    assert second._state.adding
    assert all(row.pk is None for row in [*events, *notes])


def test_values_travel_as_json_the_columns_read_back() -> None:
    import datetime
    from decimal import Decimal

    from psycopg.types.json import Jsonb

    from backend.insert_together import _json_value

    moment = datetime.datetime(2026, 12, 7, 8, 30, tzinfo=datetime.UTC)
    assert _json_value(moment) == "2026-12-07T08:30:00+00:00"
    assert _json_value(datetime.date(2026, 12, 7)) == "2026-12-07"
    assert _json_value(Decimal("0.10")) == "0.10"
    assert _json_value(float("inf")) == "Infinity"
    assert _json_value(datetime.timedelta(days=1, seconds=1)) == "86401.0 seconds"
    assert _json_value(Jsonb({"a": ["引号 ' %"]})) == {"a": ["引号 ' %"]}
    with pytest.raises(TypeError, match="cannot send a bytes value"):
        _json_value(b"\x00")


@pytest.mark.postgres
def test_a_session_that_lost_its_prepared_statements_prepares_them_again(world: World) -> None:
    from django.db import connection

    first = new_case(world, "T0008")
    insert_together(first, [("case", children(world, first)[0])])
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    again = new_case(world, "T0009")
    events = children(world, again)[0]
    assert insert_together(again, [("case", events)])
    assert CaseEvent.objects.filter(case=again).count() == len(events) == 2
