"""POST /open311/v2/requests: the client's service_code is the case's category, and the case is
routed by the dispatch catalogue for that category and the place, not by the classifier alone.
Submitted with plain `requests` against a live server and read back with the `georeport` client;
the rest with Django's test client."""

from __future__ import annotations

import pytest
import requests
from django.test import Client
from georeport import GeoReport

from backend.organisation.models import Category, Department, DispatchRule, Jurisdiction
from interaction.models import Case, CaseEvent, PlatformSettings
from interaction.open311.services import open311_key_create
from interaction.services import handling, review
from interaction.states import Status
from tests.factories import World, make_world
from tests.interaction.scenarios import REPLY_TEXT, do_approve, do_sign, do_start
from tests.interaction.test_routing import (  # noqa: F401 (fixtures)
    demo_city,
    demo_model,
    demo_model_dir,
)

BASE = "/open311/v2"
JURISDICTION = "qingchuan.gov.cn"


def post(client: Client, raw_key: str, **fields: str):
    data = {
        "api_key": raw_key,
        "jurisdiction_id": JURISDICTION,
        "phone": "13700137000",
        "first_name": "三",
        "last_name": "张",
        **fields,
    }
    return client.post(f"{BASE}/requests.json", data, HTTP_ACCEPT_LANGUAGE="zh-hans")


def routing_rows(case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).order_by("pk"))


def test_service_code_routes_by_the_catalogue_for_the_place(world: World):
    """No classifier model at all: the chosen service and the place name the department."""
    _key, raw = open311_key_create(actor=world.admin, name="city app")
    response = post(
        Client(),
        raw,
        service_code="road-repair",
        description="东城区花园路与经三路交叉口路面塌陷，请尽快处理。",
        address_string="花园路与经三路交叉口",
    )
    assert response.status_code == 201
    case = Case.objects.get(tracking_no=response.json()[0]["service_request_id"])
    assert case.status == Status.DISPATCHED
    assert case.category == world.road_repair
    assert case.lead_department == world.east_roads  # the district's rule (花园路 is in 东城区)
    assert case.auto_dispatched is True
    assert case.predicted_category is None  # nothing came from the classifier
    assert case.category_confirmed is False  # not a dispatcher's label
    classified, dispatched = [e for e in routing_rows(case) if e.action != "submitted"]
    assert classified.action == "classified"
    assert classified.is_public is False
    assert classified.data == {
        "category": None,
        "confidence": 0.0,
        "model_version": "",
        "chosen_category": "road-repair",
        "department": "east-roads",
    }
    assert dispatched.action == "dispatch"
    assert dispatched.actor is None
    assert dispatched.data == {"department": "东城区城管局", "category": "road-repair"}
    assert dispatched.reason == "按来信人选择的服务类别依派单目录分派：城乡建设 / 道路维修。"


def test_service_code_without_a_place_uses_the_city_wide_rule(world: World):
    _key, raw = open311_key_create(actor=world.admin, name="city app")
    response = post(
        Client(),
        raw,
        service_code="road-repair",
        description="路面塌陷，请尽快处理。",
        lat="28.2",
        long="112.9",
    )
    case = Case.objects.get(tracking_no=response.json()[0]["service_request_id"])
    assert case.lead_department == world.city_roads
    assert case.status == Status.DISPATCHED


def test_service_without_a_department_waits_for_a_dispatcher_under_that_category(world: World):
    """`construction` (the group) has no rule of its own: the case keeps the writer's category
    and waits in the queue, with a note saying why."""
    _key, raw = open311_key_create(actor=world.admin, name="city app")
    response = post(
        Client(),
        raw,
        service_code="construction",
        description="小区旁边的工地夜间施工。",
        address_string="西城区",
    )
    assert response.status_code == 201
    case = Case.objects.get(tracking_no=response.json()[0]["service_request_id"])
    assert case.status == Status.SUBMITTED
    assert case.category == world.roads
    assert case.lead_department is None
    assert case.routing_note == (
        "来信人选择了城乡建设，派单目录中没有对应的承办单位，等待派单员处理。"
    )
    classified = CaseEvent.objects.get(case=case, action="classified")
    assert classified.data["chosen_category"] == "construction"
    assert classified.data["department"] is None


def test_unknown_or_inactive_service_code_is_refused_and_nothing_is_saved(world: World):
    _key, raw = open311_key_create(actor=world.admin, name="city app")
    client = Client()
    unknown = post(
        client, raw, service_code="nope", description="路灯坏了很久了", address_string="花园路"
    )
    assert unknown.status_code == 404  # GeoReport v2: "service_code ... was not found"
    assert unknown.json() == [{"code": 404, "description": "未找到 service_code：nope"}]
    Category.objects.filter(pk=world.housing.pk).update(is_active=False)
    inactive = post(
        client, raw, service_code="housing", description="公租房申请进度", address_string="东城区"
    )
    assert inactive.status_code == 404
    missing = post(client, raw, description="路灯坏了很久了", address_string="花园路")
    assert missing.status_code == 400
    assert missing.json() == [{"code": 400, "description": "缺少 service_code。"}]
    assert Case.objects.count() == 0


@pytest.mark.usefixtures("demo_city", "demo_model")
def test_chosen_service_wins_over_a_confident_classifier():
    """The message reads like road repair and the model says so; the client chose waste
    collection: the case goes where the catalogue sends waste in that district, and the model's
    prediction is kept as the prediction."""
    from interaction.open311.models import Open311ApiKey
    from interaction.open311.models import hash_key as key_hash

    PlatformSettings.objects.update_or_create(pk=1, defaults={"auto_dispatch_threshold": 0.0})
    Open311ApiKey.objects.create(name="app", key_hash=key_hash("k" * 20), prefix="kkkkkkkk")
    response = post(
        Client(),
        "k" * 20,
        service_code="waste",
        description="河西区柳林路路面破损严重，出现多处坑洼，雨天积水，车辆行人通行困难，请尽快修补。",
        address_string="河西区柳林路",
    )
    assert response.status_code == 201
    case = Case.objects.get(tracking_no=response.json()[0]["service_request_id"])
    waste = Category.objects.get(code="waste")
    hexi = Jurisdiction.objects.get(code="hexi")
    place = Jurisdiction.objects.get(code="hexi-liulin")
    from interaction.routing import department_for

    expected = department_for(waste, place)
    assert expected is not None
    assert case.category == waste
    assert case.lead_department == expected
    assert case.predicted_category is not None
    assert case.predicted_category.code == "road-repair"
    assert case.status == Status.DISPATCHED
    row = CaseEvent.objects.get(case=case, action="classified")
    assert row.data["category"] == "road-repair"
    assert row.data["chosen_category"] == "waste"
    assert row.data["department"] == expected.code
    assert row.data["model_version"]
    assert hexi.pk == place.parent_id


# --- over HTTP: plain `requests` to submit, the `georeport` client to read back ----------------


@pytest.fixture
def live_world(transactional_db) -> World:
    return make_world()


def test_client_submits_with_requests_and_reads_the_routed_request_back(
    live_server, live_world: World
):
    world = live_world
    _key, raw = open311_key_create(actor=world.admin, name="city app")
    response = requests.post(
        f"{live_server.url}{BASE}/requests.json",
        data={
            "api_key": raw,
            "jurisdiction_id": JURISDICTION,
            "service_code": "road-repair",
            "description": "花园路路面塌陷一个大坑，晚上很危险。",
            "address_string": "东城区花园路",
            "phone": "13700137000",
        },
        timeout=10,
    )
    assert response.status_code == 201
    tracking_no = response.json()[0]["service_request_id"]
    case = Case.objects.get(tracking_no=tracking_no)
    assert case.lead_department == world.east_roads
    # The department answers; the platform publishes: now a public service request.
    do_sign(_as(world, world.east_liaison), case)
    do_start(_as(world, world.east_liaison), case)
    handling.case_draft_reply(case_id=case.pk, actor=world.east_liaison, body=REPLY_TEXT)
    do_approve(_as(world, world.east_liaison, head=world.east_head), case)
    review.case_publish_reply(case_id=case.pk, actor=world.dispatcher)

    client = GeoReport(f"{live_server.url}{BASE}", jurisdiction=JURISDICTION)
    row = client.get_service_request(tracking_no)
    assert row["service_code"] == "road-repair"
    assert row["agency_responsible"] == "东城区城管局"
    assert row["expected_datetime"] is not None
    assert [
        r["service_request_id"] for r in client.get_service_requests(service_code="road-repair")
    ] == [tracking_no]
    bad = requests.post(
        f"{live_server.url}{BASE}/requests.json",
        data={"api_key": raw, "service_code": "no-such-service", "address_string": "花园路"},
        timeout=10,
    )
    assert bad.status_code == 404
    assert bad.json()[0]["code"] == 404


def _as(world: World, liaison, head=None) -> World:
    """`world` with another department's liaison (and head) acting in the scenario steps."""
    from dataclasses import replace

    return replace(world, liaison=liaison, head=head or world.head)


def test_dispatch_rule_changes_apply_to_the_next_request(world: World):
    """Routing reads the catalogue as it is now (no stale copy in tests)."""
    _key, raw = open311_key_create(actor=world.admin, name="city app")
    DispatchRule.objects.filter(category=world.road_repair, jurisdiction=world.east).update(
        department=Department.objects.get(code="housing-dept")
    )
    response = post(
        Client(),
        raw,
        service_code="road-repair",
        description="东城区花园路路面塌陷。",
        address_string="东城区花园路",
    )
    case = Case.objects.get(tracking_no=response.json()[0]["service_request_id"])
    assert case.lead_department == world.housing_dept
