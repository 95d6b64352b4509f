"""Checkout: consumers pay for today's orders; the brand pays the platform fee and the goods."""

from __future__ import annotations

import numpy as np

from .base import Mechanism, register


@register
class Checkout(Mechanism):
    """Charges every order (list price minus any discount given earlier in the transact
    stage), books the platform's take and the cost of goods, and marks the buyer."""

    name = "checkout"
    stage = "transact"
    order = 10
    help = "payment of orders (core; switch off only to study awareness alone)"
    metrics = {
        "new_orders": "orders placed",
        "new_gmv": "gross merchandise value: amount paid at checkout (currency units)",
    }

    def step(self, market) -> None:
        o, pop = market.orders, market.population
        market.recorder.declare_flow("new_orders")
        market.recorder.declare_flow("new_gmv")
        if len(o) == 0:
            return
        brand = market.product_brand[o.products]
        o.paid = market.ledger.sale(o.consumers, brand, market.product_price[o.products], o.discount,
                                    market.product_cost[o.products])
        pop.bought[o.consumers, o.products] = True
        np.add.at(pop.orders_by_brand, (o.consumers, brand), 1)
        pop.last_purchase_day[o.consumers, market.product_category[o.products]] = market.day
        market.tally("new_orders", brand)
        market.tally("new_gmv", brand, o.paid)
