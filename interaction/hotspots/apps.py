"""Hot issues (热点问题): messages about the same problem at the same place, grouped as they arrive.

A Django app of its own (label `hotspots`) inside the domain package, so its tables and migrations
live beside its code.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotspotsConfig(AppConfig):
    name = "interaction.hotspots"
    label = "hotspots"
    verbose_name = _("Hot issues")

    def ready(self) -> None:
        # The labels of the audit rows this app writes on cases, for the case timeline (the
        # timeline looks actions up in `interaction.models.EVENT_LABELS`).
        from interaction.models import EVENT_LABELS

        EVENT_LABELS.setdefault("hot_issue_assigned", _("Hot issue assigned for one answer"))
