"""The supervision command: idempotent when run again, one JSON report line per run."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from interaction.models import CaseEvent, SupervisionNotice
from interaction.services import dispatch
from tests.factories import World, submit


def _run() -> dict[str, int]:
    out = StringIO()
    call_command("supervise", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_running_the_command_twice_gives_no_duplicate_notices(world: World, monkeypatch):
    case = submit(world.citizen)
    dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
    )
    later = timezone.now() + dt.timedelta(days=40)
    monkeypatch.setattr(timezone, "now", lambda: later)

    first = _run()
    second = _run()

    assert first["warnings"] == first["reminders"] == first["notices"] == 1
    assert first["criticisms"] == 1
    assert second == {
        "warnings": 0,
        "reminders": 0,
        "notices": 0,
        "criticisms": 0,
        "closed_unrated": 0,
        "digests": 0,
    }
    assert SupervisionNotice.objects.filter(case=case).count() == 4
    assert CaseEvent.objects.filter(case=case, action="supervision").count() == 4
    # One digest per person per run, whatever the number of notifications: the department,
    # the supervisor (notice and criticism) and the admin (no classifier model).
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted(
        {world.liaison.email, world.head.email, world.supervisor.email, world.admin.email}
    )


def test_quiet_run_prints_nothing_when_idle(world: World):
    out = StringIO()
    call_command("supervise", "--quiet", stdout=out)
    assert out.getvalue() == ""
