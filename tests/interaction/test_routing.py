"""Routing at intake with a real model trained on the demo corpus: auto-dispatch by the
catalogue and the place, triage for low confidence, and intake that survives a broken model."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.accounts.models import Role
from backend.organisation.models import Category, Department, Jurisdiction
from interaction import classification
from interaction.demo.corpus import fresh_messages, training_corpus
from interaction.demo.organisation import ensure_organisation
from interaction.models import CaseEvent, Notification, PlatformSettings
from interaction.routing import place_of
from interaction.services import dispatch
from interaction.states import Status
from tests.factories import make_user, submit


@pytest.fixture(scope="session")
def demo_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One model per test session, trained on the demo corpus (fewer texts, to stay quick)."""
    from classifier import store
    from classifier.train import train

    directory = tmp_path_factory.mktemp("demo-model")
    pairs = training_corpus(per_category=25)
    texts = [classification.message_text(*t.partition("\n")[::2]) for t, _c in pairs]
    model = train(texts, [c for _t, c in pairs], seed=0)
    store.promote(store.save(model, directory), directory)
    return directory


@pytest.fixture
def demo_model(demo_model_dir: Path, settings) -> Path:
    settings.CLASSIFIER_MODEL_DIR = str(demo_model_dir)
    classification.reset()
    yield demo_model_dir
    classification.reset()


@pytest.fixture
def demo_city(db: None, settings) -> None:
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 1000
    ensure_organisation()


def test_demo_model_classifies_fresh_messages_it_never_saw(demo_model: Path):
    corpus = {t for t, _c in training_corpus(per_category=25)}
    held_out = [(t, c) for t, c in fresh_messages(seed=4242, per_category=4) if t not in corpus]
    assert len(held_out) >= 100
    right = 0
    for text, code in held_out:
        subject, _sep, body = text.partition("\n")
        prediction = classification.predict(subject, body)
        assert prediction is not None
        right += prediction.label == code
    assert right / len(held_out) >= 0.9


def test_confident_district_road_complaint_goes_to_the_district_department(
    demo_city: None, demo_model: Path
):
    PlatformSettings.objects.update_or_create(pk=1, defaults={"auto_dispatch_threshold": 0.3})
    hexi = Jurisdiction.objects.get(code="hexi")
    case = submit(
        None,
        subject="路面坑洼",
        district_id=hexi.pk,
        kind="complaint",
        body="河西区的道路路面破损严重，出现多处坑洼，雨天积水，车辆行人通行困难，"
        "请尽快安排修补路面。",
    )
    case.refresh_from_db()
    assert case.predicted_category is not None
    assert case.model_version == classification._get_holder().version
    if case.predicted_category.code != "road-repair":
        pytest.fail(f"predicted {case.predicted_category.code} for a road-repair complaint")
    assert case.status == Status.DISPATCHED
    assert case.auto_dispatched
    assert case.lead_department == Department.objects.get(code="hexi-urban")
    assert case.reply_deadline is not None
    event = CaseEvent.objects.get(case=case, action="dispatch")
    assert event.actor is None
    assert event.actor_role == "system"
    assert CaseEvent.objects.filter(case=case, action="classified").exists()


def test_low_confidence_waits_for_the_dispatcher_with_three_suggestions(
    demo_city: None, demo_model: Path
):
    PlatformSettings.objects.update_or_create(pk=1, defaults={"auto_dispatch_threshold": 1.01})
    case = submit(None, subject="咨询", body="我想咨询一下相关的政策问题，请帮忙解答一下。")
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED
    assert len(case.suggestions) == 3
    assert case.prediction_confidence is not None
    assert not case.category_confirmed
    # The dispatcher corrects with one click: the label becomes a training label.
    dispatcher = make_user(Role.DISPATCHER)
    chosen = Category.objects.get(code="road-repair")
    dispatch.case_dispatch(
        case_id=case.pk,
        actor=dispatcher,
        department_id=Department.objects.get(code="city-urban").pk,
        category_id=chosen.pk,
    )
    case.refresh_from_db()
    assert case.category_confirmed
    assert case.category == chosen


def test_broken_model_leaves_the_case_in_the_queue_and_alerts_admins(
    demo_city: None, settings, tmp_path: Path
):
    admin = make_user(Role.ADMIN)
    (tmp_path / "CURRENT").write_text("20260101T000000000000Z-deadbeef\n")
    (tmp_path / "20260101T000000000000Z-deadbeef").mkdir()
    (tmp_path / "20260101T000000000000Z-deadbeef" / "metadata.json").write_text("not json")
    settings.CLASSIFIER_MODEL_DIR = str(tmp_path)
    classification.reset()
    case = submit(None)
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED
    assert case.model_version == ""
    assert Notification.objects.filter(recipient=admin, verb="classifier_down").count() == 1
    submit(None, contact_phone="13900000001")
    assert Notification.objects.filter(recipient=admin, verb="classifier_down").count() == 1


def test_place_is_found_from_a_named_road_in_the_text(demo_city: None):
    case = submit(None, subject="路灯不亮", body="青山路晚上路灯一直不亮，行人走路很不安全。")
    place = place_of(case)
    assert place is not None
    assert place.code == "qingshan-qingshanlu"
