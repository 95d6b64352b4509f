"""What passes between stages within a day: content waiting in the feed, and today's orders."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np


@dataclass
class Exposure:
    """A batch of content reaching consumers about one product.

    Attributes:
        consumers: ids of the consumers reached (int64).
        product: product index.
        channel: 'ad', 'influencer', 'friend', ...
        credibility: 0-1 weight of the message in beliefs (scalar or per consumer).
        message: quality the message conveys, 0-1 (scalar or per consumer).
        senders: for referral links, the id of the consumer who sent each message (or None).
    """

    consumers: np.ndarray
    product: int
    channel: str
    credibility: float | np.ndarray
    message: float | np.ndarray
    senders: np.ndarray | None = None


CHANNELS = ("organic", "seeding", "group", "live")  # where an order was placed (Orders.channel codes)


@dataclass
class Orders:
    """Today's orders, one element per order (consumer buys one unit of product).

    Mechanisms of the decide stage add orders with :meth:`append`; ``channel`` holds the
    index in :data:`CHANNELS` of where each order was placed, ``discount`` the money off the
    list price (currency units) that the brand gives and ``subsidy`` the money off that the platform pays,
    both composed with :meth:`add_discount` before checkout.
    """

    consumers: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    products: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    expectation: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.float32))
    discount: np.ndarray = field(default_factory=lambda: np.empty(0))
    subsidy: np.ndarray = field(default_factory=lambda: np.empty(0))
    referrer: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    paid: np.ndarray = field(default_factory=lambda: np.empty(0))
    satisfaction: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.float32))
    experienced: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.float32))
    channel: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int8))

    def __post_init__(self):
        if len(self.channel) != len(self.consumers):  # built by hand: ordinary orders
            self.channel = np.zeros(len(self.consumers), dtype=np.int8)
        if len(self.subsidy) != len(self.consumers):
            self.subsidy = np.zeros(len(self.consumers))

    def __len__(self) -> int:
        return len(self.consumers)

    def append(self, consumers: np.ndarray, products: np.ndarray, expectation: np.ndarray, channel: str,
               discount: np.ndarray | float = 0.0) -> None:
        """Add orders placed before checkout (decide stage): one per consumer, product pair."""
        k = len(consumers)
        self.consumers = np.concatenate([self.consumers, np.asarray(consumers, dtype=np.int64)])
        self.products = np.concatenate([self.products, np.broadcast_to(np.asarray(products, dtype=np.int64), (k,))])
        self.expectation = np.concatenate([self.expectation, np.asarray(expectation, dtype=np.float32)])
        self.discount = np.concatenate([self.discount, np.broadcast_to(np.asarray(discount, dtype=float), (k,))])
        self.subsidy = np.concatenate([self.subsidy, np.zeros(k)])
        self.referrer = np.concatenate([self.referrer, np.full(k, -1, dtype=np.int64)])
        self.channel = np.concatenate([self.channel, np.full(k, CHANNELS.index(channel), dtype=np.int8)])

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the orders where ``mask`` is true (before checkout: dropped orders were never placed)."""
        for f in fields(self):
            value = getattr(self, f.name)
            if len(value) == len(mask):
                setattr(self, f.name, value[mask])

    def add_discount(self, which, amount, price, platform: bool = False) -> np.ndarray:
        """Add ``amount`` (currency units) off orders ``which`` (index or mask), on top of what they have, at most
        down to a price of 0 (``price``: their list prices); paid by the brand, or by the platform if ``platform``.
        Returns the amounts added."""
        room = np.asarray(price, dtype=float) - self.discount[which] - self.subsidy[which]
        add = np.clip(np.broadcast_to(np.asarray(amount, dtype=float), room.shape), 0.0, np.maximum(room, 0.0))
        if platform:
            self.subsidy[which] += add
        else:
            self.discount[which] += add
        return add
