"""Schemathesis against our own OpenAPI schema: bad input cannot break the API.

The demo city is loaded once (rolled back afterwards). For each role — a visitor and five demo
accounts, signed in with `Authorization: Token …` — every operation of `/api/schema/` is called
with inputs generated from the schema (valid ones, and invalid ones), in process through the WSGI
application. Path parameters are real objects of the demo city half of the time (cases of every
status, dialogues, questions, topics, extension requests, notifications), so the calls reach the
services, not only the 404s. Each response must:

- never be a 5xx;
- have a status code the schema documents for that operation, with a documented content type,
  and a body and headers matching the documented schema (`Retry-After` on 429 included);
- reject schema-invalid input with a 4xx (negative data), and answer 401/403 without credentials
  where the operation needs an account.

Deterministic (derandomized Hypothesis, no example database) and bounded:
`WENZHENG_FUZZ_EXAMPLES` examples per operation and mode (default 10). `make test-fuzz`; not
part of `make test`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backend.accounts.models import User
from backend.wsgi import application
from interaction.dialogue.models import Dialogue, Question, TopicProposal
from interaction.models import Case, ExtensionRequest, Notification

pytestmark = pytest.mark.fuzz
# Hypothesis keeps caches of its own: under var/ (ignored by git), not in the checkout's root.
set_hypothesis_home_dir(Path(__file__).resolve().parents[2] / "var" / "hypothesis")

EXAMPLES = int(os.environ.get("WENZHENG_FUZZ_EXAMPLES", "10"))
# A visitor and the demo accounts of five roles, within CI's time (the supervisor's and the
# administrator's rights are in tests/interaction/test_api_permission_matrix.py).
ROLES = ["anonymous", "citizen", "liaison", "head", "dispatcher", "leader"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]
# Which objects a path's `{id}` names, by the path's first segment under /api/.
ID_SOURCES = {
    "dialogues": "dialogue",
    "dialogue-questions": "question",
    "dialogue-topics": "topic",
    "extensions": "extension",
    "notifications": "notification",
}


@pytest.fixture(scope="module")
def demo_city(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, list[Any]]]:
    """The demo city, loaded once for the module and rolled back; real ids to aim at."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo_city", stdout=StringIO())
        per_status: dict[str, list[str]] = {}
        for number, status in Case.objects.order_by("pk").values_list("tracking_no", "status"):
            per_status.setdefault(status, []).append(number)
        yield {
            "tracking_no": sorted({n for numbers in per_status.values() for n in numbers[:3]}),
            "dialogue": list(Dialogue.objects.values_list("pk", flat=True)),
            "question": list(Question.objects.values_list("pk", flat=True)[:30]),
            "topic": list(TopicProposal.objects.values_list("pk", flat=True)[:10]),
            "extension": list(ExtensionRequest.objects.values_list("pk", flat=True)[:10]),
            "notification": list(Notification.objects.values_list("pk", flat=True)[:30]),
        }
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def api_schema(django_db_blocker: Any) -> Any:
    """The schema as the application serves it, loaded once."""
    with django_db_blocker.unblock():  # Django's request signals touch the connection
        return schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def unthrottled(settings: Any) -> None:
    """Rates far above what the fuzzer sends: the calls test the operations, not the 429s
    (throttling has tests of its own)."""
    rest = dict(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"] = dict.fromkeys(rest["DEFAULT_THROTTLE_RATES"], "1000000/min")
    settings.REST_FRAMEWORK = rest
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 1_000_000
    settings.WENZHENG_LOGIN_MAX_FAILURES = 1_000_000
    settings.WENZHENG_LOGIN_MAX_FAILURES_PER_IP = 1_000_000


def known_values(path: str, name: str, city: dict[str, list[Any]], user: User | None) -> list[Any]:
    if name == "tracking_no":
        own = []
        if user is not None:
            own = list(Case.objects.filter(citizen=user).values_list("tracking_no", flat=True)[:5])
        return city["tracking_no"] + own
    if name == "dialogue_id":
        return city["dialogue"]
    if name in ("id", "pk"):
        source = ID_SOURCES.get(path.removeprefix("/api/").split("/")[0])
        if source == "notification" and user is not None:
            mine = Notification.objects.filter(recipient=user).values_list("pk", flat=True)[:10]
            return [*mine, *city["notification"][:5]]
        return city.get(source or "", [])
    return []


def negatable(raw: dict[str, Any]) -> bool:
    """Whether Schemathesis can make schema-invalid input for the operation (a body, a query
    parameter, or a path parameter with a type or constraint to break)."""
    if "requestBody" in raw:
        return True
    for parameter in raw.get("parameters", []):
        if parameter.get("in") == "query":
            return True
        schema = parameter.get("schema", {})
        if (
            parameter.get("in") == "path"
            and set(schema) - {"type"}
            or schema.get("type")
            not in (
                None,
                "string",
            )
        ):
            return True
    return False


def headers_for(role: str) -> tuple[User | None, dict[str, str]]:
    if role == "anonymous":
        return None, {}
    user = User.objects.get(username=role)
    token, _created = Token.objects.get_or_create(user=user)
    return user, {"Authorization": f"Token {token.key}"}


def fuzz(
    operation: Any, mode: GenerationMode, known: dict[str, list[Any]], user: User | None
) -> int:
    """Call one operation with generated input (`mode`) as `user`; raise the failures found.
    Returns the number of calls."""
    _user, headers = headers_for(user.username if user else "anonymous")
    key = headers.get("Authorization", "").removeprefix("Token ")
    calls = 0

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(mode), data=st.data())
    def call(case: Any, data: Any) -> None:
        nonlocal calls
        for name, values in known.items():
            if data.draw(st.booleans(), label=f"real {name}"):
                case.path_parameters[name] = data.draw(st.sampled_from(values))
        calls += 1
        case.call_and_validate(headers=headers, checks=CHECKS)
        if user is not None and not Token.objects.filter(key=key).exists():
            # The call revoked or replaced the role's token: the next calls need it.
            Token.objects.filter(user=user).delete()
            Token.objects.create(user=user, key=key)

    with contextlib.suppress(Unsatisfiable):  # no schema-invalid input exists: nothing to call
        call()
    return calls


@pytest.mark.usefixtures("unthrottled")
@pytest.mark.parametrize("role", ROLES)
def test_no_operation_breaks_or_answers_outside_its_schema(
    api_schema: Any, demo_city: dict[str, list[Any]], db: None, role: str
) -> None:
    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # 4xx/5xx are asserted here
    user = None if role == "anonymous" else User.objects.get(username=role)
    failures: list[str] = []
    timings: dict[str, float] = {}
    calls = 0
    started, cpu_started = time.monotonic(), time.process_time()
    for result in api_schema.get_all_operations():
        operation = result.ok()
        known = {
            name: values
            for name in (p.name for p in operation.path_parameters)
            if (values := known_values(operation.path, name, demo_city, user))
        }
        modes = [GenerationMode.POSITIVE]
        if negatable(operation.definition.raw):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            label = f"{operation.label} [{mode.value}]"
            op_started = time.monotonic()
            try:
                calls += fuzz(operation, mode, known, user)
            except (Exception, BaseExceptionGroup) as exc:  # FailureGroup: report them all
                failures.append(f"{role} {label}:\n{str(exc)[:4000]}")
            timings[label] = time.monotonic() - op_started
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu_started
    slowest = sorted(timings.items(), key=lambda kv: -kv[1])[:5]
    print(  # noqa: T201 - shown with -s
        f"{role}: {calls} calls in {elapsed:.1f} s ({cpu:.1f} s CPU); slowest: "
        + ", ".join(f"{label} {seconds:.1f} s" for label, seconds in slowest)
    )
    assert not failures, "\n\n".join(failures)
    assert calls > 0
