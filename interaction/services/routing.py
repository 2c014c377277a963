"""Routing at intake: ask the classifier, look up the catalogue, dispatch or queue for triage."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .. import classification
from ..models import Case, PlatformSettings
from ..routing import RoutingDecision, catalogue, department_for, place_of
from .dispatch import dispatch_locked
from .notifications import render


def decide(case: Case, *, platform: PlatformSettings) -> RoutingDecision:
    """What the machine would do with `case`: category, confidence, department, auto or not."""
    decision = RoutingDecision()
    prediction = classification.predict(case.subject, case.body)
    data = catalogue()
    place = place_of(case, data)
    decision.jurisdiction = place
    if prediction is None:
        decision.note = str(_("No classifier model is available."))
        return decision
    decision.model_version = prediction.model_version
    decision.confidence = prediction.confidence
    for label, probability in prediction.top_k[:3]:
        category = data.category(label)
        if category is None or not category.is_active:
            continue
        department = department_for(category, place, data)
        decision.suggestions.append(
            {
                "category_id": category.pk,
                "category": str(category),
                "confidence": round(float(probability), 4),
                "department_id": department.pk if department else None,
                "department": str(department) if department else "",
            }
        )
    decision.category = data.category(prediction.label)
    if decision.category is not None:
        decision.department = department_for(decision.category, place, data)
    threshold = platform.auto_dispatch_threshold
    if threshold is None:  # the admin left it to the model: 97 % precision on training data
        threshold = classification.model_threshold()
    decision.auto = (
        decision.category is not None
        and decision.department is not None
        and prediction.confidence >= threshold
    )
    if not decision.auto:
        decision.note = str(_("Low confidence: waiting for a dispatcher."))
    return decision


def record_prediction(case: Case, decision: RoutingDecision) -> None:
    """Put the machine's decision on the (unsaved or locked) case; the caller saves it."""
    case.predicted_category = decision.category
    case.prediction_confidence = decision.confidence if decision.model_version else None
    case.model_version = decision.model_version
    case.suggestions = decision.suggestions
    case.routing_note = decision.note[:200]


def classified_event(decision: RoutingDecision) -> dict[str, object]:
    """The audit row of the machine's decision (for `workflow.record_events`)."""
    return {
        "action": "classified",
        "actor": None,
        "is_public": False,
        "data": {
            "category": decision.category.code if decision.category else None,
            "confidence": round(decision.confidence, 4),
            "model_version": decision.model_version,
        },
    }


def dispatch_automatically(case: Case, decision: RoutingDecision) -> None:
    """Dispatch a new case the machine is sure about, by the catalogue, as the platform."""
    assert decision.department is not None
    assert decision.category is not None
    case.auto_dispatched = True
    dispatch_locked(
        case,
        actor=None,
        department=decision.department,
        category=decision.category,
        reason=render(
            _("Dispatched automatically (confidence %(c).0f%%)."), c=decision.confidence * 100
        ),
        extra_fields=["auto_dispatched"],
    )
