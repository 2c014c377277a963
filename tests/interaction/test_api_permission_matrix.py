"""The whole API × every role: the status each role gets from each endpoint, and that lists and
details never carry what the role may not see — another citizen's private case, the identity of
a confidential (保密) writer for departments, unpublished cases for the public.

Roles, in the order of every row below:
anonymous, the citizen who wrote (owner), another citizen, the dispatcher, a liaison of the lead
department, a liaison of another department, the head of the lead department, a supervisor, a
leader, an administrator.

A refused attempt changes nothing (status and audit rows checked); each role that may act does
so on a fresh case of its own. `test_every_operation_of_the_schema_is_in_the_matrix` makes sure
a new endpoint cannot be added without its row here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from backend.accounts.models import Role
from interaction.dialogue import services as dialogue_services
from interaction.dialogue.models import Dialogue
from interaction.dialogue.states import DialogueAction
from interaction.models import Case, CaseEvent, ExtensionRequest, Notification
from interaction.services import dispatch, handling
from interaction.services.notifications import notify
from interaction.states import Status
from tests.factories import World, make_user, submit
from tests.interaction.dialogue.conftest import make_dialogue
from tests.interaction.scenarios import REPLY_TEXT, reach

ROLES = (
    "anonymous",
    "owner",
    "other_citizen",
    "dispatcher",
    "liaison",
    "other_liaison",
    "head",
    "supervisor",
    "leader",
    "admin",
)


def person(world: World, role: str) -> Any:
    return {
        "anonymous": None,
        "owner": world.citizen,
        "other_citizen": world.other_citizen,
        "dispatcher": world.dispatcher,
        "liaison": world.liaison,
        "other_liaison": world.east_liaison,
        "head": world.head,
        "supervisor": world.supervisor,
        "leader": world.leader,
        "admin": world.admin,
    }[role]


def client_as(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def row(*codes: int) -> dict[str, int]:
    assert len(codes) == len(ROLES)
    return dict(zip(ROLES, codes, strict=True))


@pytest.fixture(autouse=True)
def _many_messages(settings: Any) -> None:
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 1000


# --- case actions ------------------------------------------------------------------------------


@dataclass
class ActionSpec:
    status: Status
    body: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    expected: dict[str, int] = field(default_factory=dict)


# Codes: 401 not signed in, 404 the role may not even see the case, 403 sees it but may not act.
DEPT_ACTION = row(401, 403, 404, 403, 200, 404, 200, 403, 403, 403)
DISPATCHER_NEW = row(401, 403, 404, 200, 404, 404, 404, 403, 403, 403)
DISPATCHER_LATER = row(401, 403, 404, 200, 403, 404, 403, 403, 403, 403)

CASE_ACTIONS: dict[str, ActionSpec] = {
    "dispatch": ActionSpec(
        Status.SUBMITTED,
        lambda w: {"department": w.city_roads.pk, "category": w.road_repair.pk},
        DISPATCHER_NEW,
    ),
    "close-invalid": ActionSpec(
        Status.SUBMITTED, lambda w: {"reason": "与政务无关。"}, DISPATCHER_NEW
    ),
    "merge": ActionSpec(Status.SUBMITTED, lambda w: {"into": "EARLIER"}, DISPATCHER_NEW),
    "sign": ActionSpec(Status.DISPATCHED, expected=DEPT_ACTION),
    "start": ActionSpec(Status.SIGNED, expected=DEPT_ACTION),
    "return": ActionSpec(
        Status.HANDLING,
        lambda w: {"reason_code": "function", "reason_text": "属区级职责。"},
        DEPT_ACTION,
    ),
    "request-info": ActionSpec(
        Status.HANDLING, lambda w: {"question": "请补充照片。"}, DEPT_ACTION
    ),
    "draft-reply": ActionSpec(Status.HANDLING, lambda w: {"body": REPLY_TEXT}, DEPT_ACTION),
    "request-extension": ActionSpec(
        Status.HANDLING,
        lambda w: {"days": 3, "reason": "需要协调施工。"},
        row(401, 403, 404, 403, 201, 404, 201, 403, 403, 403),
    ),
    "accept-return": ActionSpec(
        Status.RETURNED, lambda w: {"department": w.east_roads.pk}, DISPATCHER_LATER
    ),
    "reject-return": ActionSpec(
        Status.RETURNED, lambda w: {"note": "仍属本部门。"}, DISPATCHER_LATER
    ),
    "provide-info": ActionSpec(
        Status.AWAITING_CITIZEN,
        lambda w: {"answer": "照片已补充。"},
        row(404, 200, 404, 403, 403, 404, 403, 403, 403, 403),
    ),
    "approve-reply": ActionSpec(
        Status.REPLY_DRAFTED, expected=row(401, 403, 404, 403, 403, 404, 200, 403, 403, 403)
    ),
    "reject-reply": ActionSpec(
        Status.REPLY_DRAFTED,
        lambda w: {"note": "请写明完成时间。"},
        row(401, 403, 404, 403, 403, 404, 200, 403, 403, 403),
    ),
    "publish-reply": ActionSpec(Status.REPLY_APPROVED, expected=DISPATCHER_LATER),
    "rework-reply": ActionSpec(
        Status.REPLY_APPROVED, lambda w: {"note": "请补充联系人。"}, DISPATCHER_LATER
    ),
    # A replied case is published: everyone sees it, only its writer rates it.
    "evaluate": ActionSpec(
        Status.REPLIED,
        lambda w: {"attitude": "satisfied", "result": "satisfied", "solved": True},
        row(403, 200, 403, 403, 403, 403, 403, 403, 403, 403),
    ),
}


def _state(case: Case) -> tuple[str, int]:
    case.refresh_from_db()
    return case.status, CaseEvent.objects.filter(case=case).count()


@pytest.mark.parametrize("action", CASE_ACTIONS)
def test_case_action_by_every_role(world: World, action: str) -> None:
    spec = CASE_ACTIONS[action]
    earlier = submit(world.other_citizen)  # what a duplicate is merged into
    body = {k: earlier.tracking_no if v == "EARLIER" else v for k, v in spec.body(world).items()}

    def post(role: str, case: Case) -> Any:
        return client_as(person(world, role)).post(
            f"/api/cases/{case.tracking_no}/{action}/", body, format="json"
        )

    refused_case = reach(world, spec.status)
    before = _state(refused_case)
    for role, code in spec.expected.items():
        if code < 300:
            continue
        response = post(role, refused_case)
        assert response.status_code == code, (action, role, response.content)
        assert set(response.json()) == {"error"}
        assert _state(refused_case) == before, (action, role)
    for role, code in spec.expected.items():
        if code >= 300:
            continue
        case = reach(world, spec.status)
        response = post(role, case)
        assert response.status_code == code, (action, role, response.content)
        assert _state(case) != _state(refused_case) or action == "request-extension"


# --- reading cases: what each role sees --------------------------------------------------------


@dataclass
class Cases:
    secret: Case  # owner's, 保密, city roads lead
    plain: Case  # owner's, city roads lead
    published: Case  # other citizen's, replied and published
    unpublishable: Case  # other citizen's, replied, publication refused
    queued: Case  # other citizen's, not dispatched yet

    def all(self) -> dict[str, Case]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@pytest.fixture
def cases(world: World) -> Cases:
    secret = submit(world.citizen, keep_identity_secret=True, address="花园路 1 号")
    dispatch.case_dispatch(
        case_id=secret.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
    )
    return Cases(
        secret=Case.objects.get(pk=secret.pk),
        plain=reach(world, Status.DISPATCHED, address="花园路 2 号"),
        published=reach(world, Status.REPLIED, citizen=world.other_citizen),
        unpublishable=reach(
            world, Status.REPLIED, citizen=world.other_citizen, allow_publish=False
        ),
        queued=submit(world.other_citizen),
    )


# Per role: for (secret, plain, published, unpublishable, queued), None if the role may not see
# the case at all, else whether it sees who wrote (contact) and the private parts (address).
N = None
SEES: dict[str, tuple[tuple[bool, bool] | None, ...]] = {
    "anonymous": (N, N, (False, False), N, N),
    "owner": ((True, True), (True, True), (False, False), N, N),
    "other_citizen": (N, N, (True, True), (True, True), (True, True)),
    "dispatcher": ((True, True),) * 5,
    "liaison": ((False, True), (True, True), (True, True), (True, True), N),
    "other_liaison": (N, N, (False, False), N, N),
    "head": ((False, True), (True, True), (True, True), (True, True), N),
    "supervisor": ((True, True),) * 5,
    "leader": ((True, True),) * 5,
    "admin": ((True, True),) * 5,
}


@pytest.mark.parametrize("role", ROLES)
def test_case_list_and_details_show_each_role_only_its_share(
    world: World, cases: Cases, role: str
) -> None:
    client = client_as(person(world, role))
    rows = {r["tracking_no"]: r for r in client.get("/api/cases/?page_size=100").json()["results"]}
    for (name, case), sees in zip(cases.all().items(), SEES[role], strict=True):
        detail = client.get(f"/api/cases/{case.tracking_no}/")
        if sees is None:
            assert case.tracking_no not in rows, (role, name)
            assert detail.status_code == 404, (role, name)
            assert detail.json()["error"]["code"] == "not_found"
            continue
        identity, private = sees
        assert detail.status_code == 200, (role, name)
        body = detail.json()
        assert (body["contact"] is not None) == identity, (role, name, "contact")
        assert (rows[case.tracking_no]["contact"] is not None) == identity, (role, name, "list")
        assert (body["address"] is not None) == private, (role, name, "address")
        if not identity:
            assert case.contact_phone not in detail.content.decode(), (role, name)
            assert case.contact_phone not in str(rows[case.tracking_no]), (role, name)
    if role == "anonymous":
        assert set(rows) <= set(
            Case.objects.filter(is_published=True).values_list("tracking_no", flat=True)
        )


# --- work lists, board, insights, reference --------------------------------------------------

READS = {
    "/api/queues/dispatch/": row(401, 403, 403, 200, 403, 403, 403, 403, 403, 200),
    "/api/queues/inbox/": row(401, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "/api/queues/approvals/": row(401, 403, 403, 403, 403, 403, 200, 403, 403, 403),
    "/api/queues/reviews/": row(401, 403, 403, 200, 403, 403, 403, 403, 403, 200),
    "/api/board/": row(401, 403, 403, 403, 403, 403, 403, 200, 200, 200),
    "/api/extensions/": row(401, 403, 403, 403, 200, 200, 200, 200, 200, 200),
    "/api/notifications/": row(401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "/api/insights/performance/": row(401, 403, 403, 403, 403, 403, 403, 200, 200, 200),
    "/api/insights/trends/": row(401, 403, 403, 403, 403, 403, 403, 200, 200, 200),
    "/api/insights/gini/": row(401, 403, 403, 403, 403, 403, 403, 200, 200, 200),
    "/api/insights/report.xlsx": row(401, 403, 403, 403, 403, 403, 403, 200, 200, 200),
    "/api/routing-accuracy/": row(401, 403, 403, 403, 403, 403, 403, 403, 403, 200),
    "/api/insights/reply-quality/": row(401, 403, 403, 403, 403, 403, 403, 200, 200, 200),
    "/api/public/statistics/": row(*[200] * 10),
    "/api/public/open-data/": row(*[200] * 10),
    "/api/cases/": row(*[200] * 10),
    "/api/categories/": row(*[200] * 10),
    "/api/departments/": row(*[200] * 10),
    "/api/jurisdictions/": row(*[200] * 10),
    "/api/similar/?subject=路面坑洼": row(*[200] * 10),
}


@pytest.mark.parametrize("path", READS)
def test_reads_by_every_role(world: World, cases: Cases, path: str) -> None:
    for role, code in READS[path].items():
        response = client_as(person(world, role)).get(path)
        assert response.status_code == code, (path, role, response.content[:200])
        if code >= 400:
            assert set(response.json()) == {"error"}
            assert response.json()["error"]["code"] == (
                "not_authenticated" if code == 401 else "not_allowed"
            )


def test_work_lists_hold_only_the_roles_cases(world: World, cases: Cases) -> None:
    def numbers(user: Any, path: str) -> set[str]:
        return {r["tracking_no"] for r in client_as(user).get(path).json()["results"]}

    ours = {cases.secret.tracking_no, cases.plain.tracking_no}
    assert numbers(world.liaison, "/api/queues/inbox/") == ours
    assert numbers(world.head, "/api/queues/inbox/") == ours
    assert numbers(world.east_liaison, "/api/queues/inbox/") == set()
    assert numbers(world.dispatcher, "/api/queues/dispatch/") == {cases.queued.tracking_no}
    inbox = client_as(world.liaison).get("/api/queues/inbox/").json()["results"]
    secret_row = next(r for r in inbox if r["tracking_no"] == cases.secret.tracking_no)
    assert secret_row["contact"] is None  # 保密: the department does not see who wrote


def test_notifications_are_each_ones_own(world: World, cases: Cases) -> None:
    for role in ROLES[1:]:
        user = person(world, role)
        ids = {n["id"] for n in client_as(user).get("/api/notifications/").json()["results"]}
        assert ids == set(Notification.objects.filter(recipient=user).values_list("pk", flat=True))
    notify(user_ids=[world.citizen.pk], case=cases.secret, verb="test", text="您的来信已转办。")
    note = Notification.objects.filter(recipient=world.citizen).latest("pk")
    codes = row(401, 200, 404, 404, 404, 404, 404, 404, 404, 404)
    for role, code in codes.items():
        response = client_as(person(world, role)).post(f"/api/notifications/{note.pk}/read/")
        assert response.status_code == code, role
    note.refresh_from_db()
    assert note.read_at is not None


def test_extension_decisions(world: World) -> None:
    def pending() -> ExtensionRequest:
        case = reach(world, Status.HANDLING)
        return handling.extension_request(
            case_id=case.pk, actor=world.liaison, days=3, reason="需要协调施工。"
        )

    refused = pending()
    expected = row(401, 403, 403, 403, 403, 403, 403, 200, 403, 200)
    for role, code in expected.items():
        request = refused if code >= 300 else pending()
        response = client_as(person(world, role)).post(
            f"/api/extensions/{request.pk}/decide/", {"grant": True}, format="json"
        )
        assert response.status_code == code, (role, response.content)
    refused.refresh_from_db()
    assert refused.decision == "pending"


# --- live dialogues ----------------------------------------------------------------------------


CITIZENS_ONLY = row(401, 201, 201, 403, 403, 403, 403, 403, 403, 403)
MODERATOR_ONLY = row(401, 403, 403, 403, 403, 403, 403, 403, 403, 200)  # admin moderates all


def test_dialogue_reads_of_a_public_and_a_closed_dialogue(world: World) -> None:
    public = make_dialogue(world)
    closed = make_dialogue(world, is_public=False)
    for role in ROLES:
        client = client_as(person(world, role))
        assert client.get(f"/api/dialogues/{public.pk}/").status_code == 200, role
        assert client.get(f"/api/dialogues/{public.pk}/events/").status_code == 200, role
        # Not public: its staff only (the head is its official; the admin moderates every one).
        expected = 200 if role in ("head", "admin") else 404
        assert client.get(f"/api/dialogues/{closed.pk}/").status_code == expected, role
        assert client.get(f"/api/dialogues/{closed.pk}/events/").status_code == expected, role


@pytest.mark.parametrize(
    ("action", "state", "expected"),
    [
        ("open-questions", "announced", MODERATOR_ONLY),
        ("go-live", "collecting", MODERATOR_ONLY),
        ("end", "live", MODERATOR_ONLY),
        ("publish-transcript", "ended", MODERATOR_ONLY),
        ("notice", "live", {**MODERATOR_ONLY, "admin": 201}),
        ("ask", "live", CITIZENS_ONLY),
    ],
)
def test_dialogue_actions_by_every_role(
    world: World, action: str, state: str, expected: dict[str, int]
) -> None:
    def dialogue_in(state: str) -> Dialogue:
        if state == "ended":
            dialogue = make_dialogue(world, state="live")
            dialogue_services.dialogue_transition(
                dialogue_id=dialogue.pk, actor=dialogue.moderator, action=DialogueAction.END
            )
            return dialogue
        return make_dialogue(world, state=state)

    shared = dialogue_in(state)
    for role, code in expected.items():
        dialogue = shared if code >= 300 else dialogue_in(state)
        response = client_as(person(world, role)).post(
            f"/api/dialogues/{dialogue.pk}/{action}/", {"body": "各位好。"}, format="json"
        )
        assert response.status_code == code, (action, role, response.content)
    shared.refresh_from_db()
    assert shared.state == state


@pytest.mark.parametrize(
    ("action", "body", "expected"),
    [
        ("approve", {}, MODERATOR_ONLY),
        ("reject", {"reason": "与主题无关。"}, MODERATOR_ONLY),
        ("pin", {"pinned": True}, MODERATOR_ONLY),
        ("merge", {"into": "APPROVED"}, MODERATOR_ONLY),
        ("answer", {"body": "正在安排。"}, row(401, 403, 403, 403, 403, 403, 201, 403, 403, 403)),
        ("vote", {}, row(401, 200, 200, 403, 403, 403, 403, 403, 403, 403)),
    ],
)
def test_question_actions_by_every_role(
    world: World, action: str, body: dict[str, Any], expected: dict[str, int]
) -> None:
    dialogue = make_dialogue(world)

    def ask(body: str) -> Any:  # a new asker each time: askers have a rate of their own
        asker = make_user(Role.CITIZEN)
        return dialogue_services.question_ask(dialogue_id=dialogue.pk, actor=asker, body=body)

    approved = ask("已审？")
    dialogue_services.question_approve(question_id=approved.pk, actor=dialogue.moderator)

    def question() -> int:
        asked = ask("问题？")
        if action in ("answer", "vote", "pin"):
            dialogue_services.question_approve(question_id=asked.pk, actor=dialogue.moderator)
        return asked.pk

    shared = question()
    data = {**body, "into": approved.pk} if "into" in body else body
    for role, code in expected.items():
        pk = shared if code >= 300 else question()
        response = client_as(person(world, role)).post(
            f"/api/dialogue-questions/{pk}/{action}/", data, format="json"
        )
        assert response.status_code == code, (action, role, response.content)


def test_topics_by_every_role(world: World) -> None:
    topic = dialogue_services.topic_propose(actor=make_user(Role.CITIZEN), title="老旧小区改造")
    for role, code in CITIZENS_ONLY.items():
        client = client_as(person(world, role))
        proposed = client.post("/api/dialogue-topics/", {"title": "停车难"}, format="json")
        assert proposed.status_code == code, role
        voted = client.post(f"/api/dialogue-topics/{topic.pk}/vote/")
        assert voted.status_code == (200 if code == 201 else code), role


# --- tokens ------------------------------------------------------------------------------------


def test_token_endpoints_by_every_role(world: World) -> None:
    for role in ROLES:
        user = person(world, role)
        revoked = client_as(user).post("/api/auth/token/revoke/")
        assert revoked.status_code == (401 if user is None else 204), role
        obtained = client_as(user).post(
            "/api/auth/token/",
            {"username": user.username if user else "nobody", "password": "pass-Word-123"},
            format="json",
        )
        assert obtained.status_code == (400 if user is None else 201), role


# --- completeness ----------------------------------------------------------------------------

COVERED = {
    *(f"POST /api/cases/{{tracking_no}}/{action}/" for action in CASE_ACTIONS),
    "GET /api/cases/{tracking_no}/",
    *(f"GET {path.split('?')[0]}" for path in READS),
    "POST /api/cases/",  # anyone may write (tests/interaction/test_api_cases.py)
    "POST /api/notifications/{id}/read/",
    "POST /api/extensions/{id}/decide/",
    "GET /api/dialogues/{dialogue_id}/",
    "GET /api/dialogues/{dialogue_id}/events/",
    *(
        f"POST /api/dialogues/{{id}}/{action}/"
        for action in ("open-questions", "go-live", "end", "publish-transcript", "notice", "ask")
    ),
    *(
        f"POST /api/dialogue-questions/{{id}}/{action}/"
        for action in ("approve", "reject", "pin", "merge", "answer", "vote")
    ),
    "POST /api/dialogue-topics/",
    "POST /api/dialogue-topics/{id}/vote/",
    "POST /api/auth/token/",
    "POST /api/auth/token/revoke/",
}


# Hot issues (热点问题) decide access per group and department; their own matrix is in
# tests/interaction/hotspots/test_api.py.
ELSEWHERE = ("/api/hot-issues/", "/api/cases/{tracking_no}/support/")


def test_every_operation_of_the_schema_is_in_the_matrix() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {
        f"{method.upper()} {path}"
        for path, methods in schema["paths"].items()
        for method in methods
        if not path.startswith(ELSEWHERE)
    }
    assert operations - COVERED == set(), "add the new endpoints' rows to this matrix"
