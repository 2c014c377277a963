"""WebSocket routes."""

from django.urls import path

from .consumers import LiveUpdatesConsumer
from .dialogue.consumers import DialogueConsumer

websocket_urlpatterns = [
    path("ws/live/", LiveUpdatesConsumer.as_asgi()),
    path("ws/dialogues/<int:dialogue_id>/", DialogueConsumer.as_asgi()),
]
