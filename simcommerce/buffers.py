"""What passes between stages within a day: content waiting in the feed, and today's orders."""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass
class Orders:
    """Today's orders, one element per order (consumer buys one unit of product)."""

    consumers: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    products: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    expectation: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.float32))
    discount: np.ndarray = field(default_factory=lambda: np.empty(0))
    referrer: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    paid: np.ndarray = field(default_factory=lambda: np.empty(0))
    satisfaction: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.float32))
    experienced: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.float32))

    def __len__(self) -> int:
        return len(self.consumers)
