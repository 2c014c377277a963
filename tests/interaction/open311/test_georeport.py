"""Open311 GeoReport v2 at /open311/v2/: read with an Open311 client from PyPI (`georeport`)
against a live server, in JSON and XML; POST, tokens and errors in the specified shape."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import requests
from django.test import Client
from georeport import GeoReport

from interaction.models import Case, CaseEvent
from interaction.open311.models import Open311ApiKey
from interaction.open311.services import open311_key_create
from interaction.services import handling, review
from interaction.states import Status
from tests.factories import World, make_world, submit
from tests.interaction.scenarios import do_approve, do_dispatch, do_sign, do_start

BASE = "/open311/v2"
JURISDICTION = "qingchuan.gov.cn"
BODY = "我是王五，电话13812345678，花园路路灯不亮已经一周了。"


def publish(world: World, **fields) -> Case:
    case = submit(world.citizen, contact_name="王五", body=BODY, **fields)
    for step in (do_dispatch, do_sign, do_start):
        step(world, case)
    handling.case_draft_reply(
        case_id=case.pk, actor=world.liaison, body="王先生您好，路灯已于昨日修复。"
    )
    do_approve(world, case)
    review.case_publish_reply(case_id=case.pk, actor=world.dispatcher)
    case.refresh_from_db()
    return case


@pytest.fixture
def live_world(transactional_db) -> World:
    return make_world()


@pytest.fixture
def client311(live_server, live_world) -> GeoReport:
    return GeoReport(f"{live_server.url}{BASE}", jurisdiction=JURISDICTION)


# --- with the georeport client (GET only: it does not implement POST) ----------------------


def test_client_reads_services_and_definitions_in_json_and_xml(live_server, live_world):
    for fmt in ("json", "xml"):
        client = GeoReport(f"{live_server.url}{BASE}", jurisdiction=JURISDICTION, output_format=fmt)
        services = client.get_service_list()
        by_code = {s["service_code"]: s for s in services}
        assert set(by_code) == {"construction", "road-repair", "housing"}
        assert by_code["road-repair"]["service_name"] == "道路维修"
        assert by_code["road-repair"]["group"] == "城乡建设"
        definition = client.get_service_definition("road-repair")
        assert definition["service_code"] == "road-repair"
        attributes = definition["attributes"]
        attribute = attributes[0] if fmt == "json" else attributes["attribute"]
        assert attribute["code"] == "kind"
        assert attribute["datatype"] == "singlevaluelist"


def test_client_lists_only_published_requests_with_masked_text(client311, live_world: World):
    world = live_world
    published = publish(world)
    hidden = submit(world.other_citizen, subject="未公开的来信", contact_phone="13900139000")
    rows = client311.get_service_requests()
    assert [r["service_request_id"] for r in rows] == [published.tracking_no]
    row = rows[0]
    assert row["status"] == "closed"  # replied
    assert row["service_code"] == "road-repair"
    assert row["agency_responsible"] == "市城管局"
    assert "13812345678" not in row["description"]
    assert "王五" not in row["description"]
    assert "138****5678" in row["description"]
    assert row["status_notes"].endswith("*先生您好，路灯已于昨日修复。")
    assert row["requested_datetime"].endswith("+08:00")
    assert row["expected_datetime"] is not None
    assert hidden.tracking_no not in str(rows)

    one = client311.get_service_request(published.tracking_no)
    assert one["service_request_id"] == published.tracking_no
    assert client311.get_service_requests(status="open") == []
    assert client311.get_service_requests(service_code="housing") == []
    assert len(client311.get_service_requests(service_code="construction")) == 1  # parent

    xml_client = GeoReport(client311.root_address, output_format="xml")
    xml_row = xml_client.get_service_request(published.tracking_no)
    assert xml_row["service_request_id"] == published.tracking_no
    assert xml_row["agency_responsible"] == "市城管局"
    assert "13812345678" not in xml_row["description"]


def test_client_gets_http_errors_for_unknown_things(client311):
    with pytest.raises(requests.HTTPError) as missing:
        client311.get_service_request("261122ZZZZZZ")
    assert missing.value.response.status_code == 404
    assert missing.value.response.json()[0]["code"] == 404


# --- the rest through Django's test client ----------------------------------------------------


def test_errors_have_the_specified_shape_in_json_and_xml(world: World):
    client = Client()
    response = client.get(
        f"{BASE}/services.json", {"jurisdiction_id": "elsewhere.gov"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 404
    assert response.json() == [
        {"code": 404, "description": "jurisdiction_id not found: elsewhere.gov"}
    ]
    response = client.get(f"{BASE}/services/nothing.xml")
    assert response.status_code == 404
    root = ET.fromstring(response.content)  # noqa: S314 (our own output)
    assert root.tag == "errors"
    assert root.find("error/code").text == "404"
    assert root.find("error/description").text
    response = client.get(
        f"{BASE}/requests.json",
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
    )
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400
    assert client.get(f"{BASE}/requests.json", {"status": "pending"}).status_code == 400


def test_post_needs_a_valid_api_key(world: World):
    response = Client().post(
        f"{BASE}/requests.json",
        {"api_key": "wrong", "service_code": "road-repair", "description": "路灯坏了很久了"},
    )
    assert response.status_code == 403
    assert response.json()[0]["code"] == 403
    assert not Case.objects.filter(body="路灯坏了很久了").exists()


def test_only_administrators_create_api_keys(world: World):
    from interaction.errors import NotAllowed

    with pytest.raises(NotAllowed):
        open311_key_create(actor=world.dispatcher, name="app")
    key, raw = open311_key_create(actor=world.admin, name="city app")
    assert key.key_hash != raw
    assert raw not in str(Open311ApiKey.objects.values_list(flat=True))


def test_post_creates_a_real_case_and_answers_with_id_and_token(world: World):
    _key, raw = open311_key_create(actor=world.admin, name="city app")
    client = Client()
    response = client.post(
        f"{BASE}/requests.xml",
        {
            "api_key": raw,
            "jurisdiction_id": JURISDICTION,
            "service_code": "road-repair",
            "description": "花园路与经三路交叉口路面塌陷，请尽快处理。",
            "address_string": "花园路与经三路交叉口",
            "first_name": "三",
            "last_name": "张",
            "phone": "13700137000",
            "attribute[kind]": "complaint",
        },
    )
    assert response.status_code == 201
    request = ET.fromstring(response.content).find("request")  # noqa: S314 (our own output)
    tracking_no = request.find("service_request_id").text
    token = request.find("token").text
    assert request.find("service_notice").text
    case = Case.objects.get(tracking_no=tracking_no)
    assert case.body == "花园路与经三路交叉口路面塌陷，请尽快处理。"
    assert case.subject.startswith("道路维修：")
    assert case.kind == "complaint"
    assert case.contact_name == "张三"
    assert case.contact_phone == "13700137000"
    assert case.address == "花园路与经三路交叉口"
    assert case.citizen is None
    assert case.status in (Status.SUBMITTED, Status.DISPATCHED)
    assert CaseEvent.objects.filter(case=case, action="submitted").exists()

    found = client.get(f"{BASE}/tokens/{token}.json").json()
    assert found == [{"service_request_id": tracking_no, "token": token}]
    # Not published: not a public service request (yet).
    assert client.get(f"{BASE}/requests/{tracking_no}.json").status_code == 404
    assert client.get(f"{BASE}/tokens/forged:token.json").status_code == 404


def test_post_reports_every_problem_in_the_specified_shape(world: World):
    _key, raw = open311_key_create(actor=world.admin, name="city app")
    client = Client()
    response = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": raw,
            "service_code": "road-repair",
            "description": "坏",
            "lat": "1",
            "long": "2",
        },
    )
    assert response.status_code == 400
    problems = response.json()
    assert {p["code"] for p in problems} == {400}
    assert any(p["description"].startswith("contact_phone:") for p in problems)
    no_place = client.post(
        f"{BASE}/requests.json",
        {"api_key": raw, "service_code": "road-repair", "description": "路灯坏了很久了"},
    )
    assert no_place.status_code == 400
    unknown = client.post(f"{BASE}/requests.json", {"api_key": raw, "service_code": "nope"})
    assert unknown.status_code == 404
    assert Case.objects.count() == 0
