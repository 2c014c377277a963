"""Live dialogue pages. Included in frontend/urls.py (namespace `frontend`) under `dialogues/`."""

from django.urls import path

from .views import dialogue

urlpatterns = [
    path("", dialogue.dialogue_list, name="dialogue-list"),
    path("topics/", dialogue.topic_propose, name="dialogue-topic-propose"),
    path("topics/<int:topic_id>/vote/", dialogue.topic_vote, name="dialogue-topic-vote"),
    path("<int:dialogue_id>/", dialogue.dialogue_detail, name="dialogue-detail"),
    path(
        "<int:dialogue_id>/transcript/",
        dialogue.dialogue_transcript,
        name="dialogue-transcript",
    ),
    path(
        "<int:dialogue_id>/do/<str:action>/",
        dialogue.dialogue_transition,
        name="dialogue-transition",
    ),
]
