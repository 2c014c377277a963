"""Routing at intake: ask the classifier, look up the catalogue, dispatch or queue for triage."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from .. import classification
from ..models import Case, PlatformSettings
from ..routing import Catalogue, RoutingDecision, catalogue, department_for, place_of
from .dispatch import dispatch_new
from .notifications import render


def decide(
    case: Case, *, platform: PlatformSettings, chosen_category_id: int | None = None
) -> RoutingDecision:
    """What the machine would do with `case`: category, confidence, department, auto or not.

    `chosen_category_id`: the category the writer chose (an Open311 service_code). The case is
    then routed by the catalogue for that category and place, whatever the classifier says (its
    prediction is still recorded, so routing accuracy keeps measuring the model)."""
    decision = RoutingDecision()
    prediction = classification.predict(case.subject, case.body)
    data = catalogue()
    place = place_of(case, data)
    decision.jurisdiction = place
    if chosen_category_id is not None:
        decision.chosen = data.categories.get(chosen_category_id)
    if prediction is None:
        decision.note = str(_("No classifier model is available."))
        return _route_chosen(decision, data) if decision.chosen else decision
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
    if decision.chosen is not None:
        return _route_chosen(decision, data)
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


def _route_chosen(decision: RoutingDecision, data: Catalogue) -> RoutingDecision:
    """The writer chose the category: the catalogue names the department (dispatched at once),
    or, without a rule for it, the case waits for a dispatcher under that category."""
    assert decision.chosen is not None
    decision.department = department_for(decision.chosen, decision.jurisdiction, data)
    decision.auto = decision.department is not None
    if decision.auto:
        decision.note = render(
            _("Routed by the service the writer chose: %(category)s."),
            category=str(decision.chosen),
        )
    else:
        decision.note = render(
            _(
                "The writer chose %(category)s, which has no department in the catalogue: "
                "waiting for a dispatcher."
            ),
            category=str(decision.chosen),
        )
    return decision


def record_prediction(case: Case, decision: RoutingDecision) -> None:
    """Put the machine's decision on the (unsaved or locked) case; the caller saves it. A
    category the writer chose is the case's category from the start."""
    if decision.chosen is not None:
        case.category = decision.chosen
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
            **(
                {
                    "chosen_category": decision.chosen.code,
                    "department": decision.department.code if decision.department else None,
                }
                if decision.chosen is not None
                else {}
            ),
        },
    }


def _auto_reason(decision: RoutingDecision) -> str:
    if decision.chosen is not None:
        return render(
            _("Dispatched by the catalogue for the service the writer chose: %(category)s."),
            category=str(decision.chosen),
        )
    return render(
        _("Dispatched automatically (confidence %(c).0f%%)."), c=decision.confidence * 100
    )


def dispatch_new_automatically(case: Case, decision: RoutingDecision) -> dict[str, Any]:
    """Dispatch a new case (not yet saved) the machine is sure about, by the catalogue, as the
    platform. Returns the audit row to write with the case."""
    category = decision.route_category  # the writer's choice, else the classifier's
    assert decision.department is not None
    assert category is not None
    case.auto_dispatched = True
    return dispatch_new(
        case,
        department=decision.department,
        category=category,
        reason=_auto_reason(decision),
    )
