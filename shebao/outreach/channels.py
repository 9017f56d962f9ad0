"""Channel adapters: the portal inbox, the agency's SMS / 12333 app gateway over HTTP, RabbitMQ.

Each ``send`` either returns (the channel accepted the message) or raises :class:`SendError`. Every
send carries the message's idempotency key, so a send retried after a crash or a timeout is the
same message to the channel: the gateway is given it as the ``Idempotency-Key`` header (the agency
gateway answers a repeated key with its first answer and sends nothing), RabbitMQ as the message's
``message_id`` with publisher confirms (consumers drop a ``message_id`` they have seen).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class SendError(RuntimeError):
    """The channel did not take the message (it will be retried with the same key)."""


@dataclass(frozen=True)
class Outgoing:
    key: str
    campaign_id: str
    person_id: str
    channel: str
    body: str
    link: str
    to: str = ""  # the address a gateway needs (a phone number); never logged


class Channel(Protocol):
    name: str

    def send(self, message: Outgoing) -> None: ...

    def close(self) -> None: ...


class PortalInbox:
    """The citizen's inbox in the portal: the outbox row is the inbox entry, nothing to hand over."""

    name = "portal"

    def send(self, message: Outgoing) -> None:
        return None

    def close(self) -> None:
        return None


class HttpGateway:
    """The agency's message gateway (SMS or 12333 app push): one JSON POST per message."""

    def __init__(self, name: str, url: str, timeout: float = 10.0):
        import httpx

        if not url:
            raise SendError(f"未配置 SHEBAO_OUTREACH_GATEWAY_URL，无法通过 {name} 发送")
        self.name = name
        self.url = url
        self.client = httpx.Client(timeout=timeout)

    def send(self, message: Outgoing) -> None:
        import httpx

        payload: dict[str, Any] = {"key": message.key, "channel": message.channel, "to": message.to,
                                   "person_id": message.person_id, "campaign_id": message.campaign_id,
                                   "text": message.body, "link": message.link}
        try:
            response = self.client.post(self.url, json=payload, headers={"Idempotency-Key": message.key})
        except httpx.HTTPError as exc:
            raise SendError(f"网关不可达：{type(exc).__name__}") from exc
        if response.status_code >= 300:
            raise SendError(f"网关拒收：HTTP {response.status_code}")

    def close(self) -> None:
        self.client.close()


class RabbitChannel:
    """RabbitMQ through pika: a durable queue, persistent messages, publisher confirms."""

    name = "broker"

    def __init__(self, url: str, queue: str):
        import pika

        if not url:
            raise SendError("未配置 SHEBAO_OUTREACH_AMQP_URL，无法发布到消息队列")
        try:
            self.connection = pika.BlockingConnection(pika.URLParameters(url))
        except Exception as exc:  # noqa: BLE001 - pika raises many connection errors
            raise SendError(f"消息队列不可达：{type(exc).__name__}") from exc
        self.channel = self.connection.channel()
        self.channel.queue_declare(queue=queue, durable=True)
        self.channel.confirm_delivery()
        self.queue = queue

    def send(self, message: Outgoing) -> None:
        import json

        import pika

        body = json.dumps({"key": message.key, "campaign_id": message.campaign_id, "person_id": message.person_id,
                           "text": message.body, "link": message.link}, ensure_ascii=False).encode()
        try:
            self.channel.basic_publish(exchange="", routing_key=self.queue, body=body, mandatory=True,
                                       properties=pika.BasicProperties(message_id=message.key, delivery_mode=2,
                                                                       content_type="application/json"))
        except Exception as exc:  # noqa: BLE001 - unroutable, nacked or connection lost
            raise SendError(f"消息队列未确认：{type(exc).__name__}") from exc

    def close(self) -> None:
        try:
            self.connection.close()
        except Exception:  # noqa: BLE001 - already closed
            pass
