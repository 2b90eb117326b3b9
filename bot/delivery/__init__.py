"""Delivery of queued outbox rows to the platforms: the Dispatcher and what it is built from."""

from bot.delivery.config import DeliveryObserver, DispatcherConfig
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.render import Renderers

__all__ = ["DeliveryObserver", "Dispatcher", "DispatcherConfig", "Renderers"]
