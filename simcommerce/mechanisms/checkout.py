"""Checkout: consumers pay for today's orders; the brand pays the platform fee and the goods."""

from __future__ import annotations

import numpy as np

from ..buffers import CHANNELS
from .base import Mechanism, register


@register
class Checkout(Mechanism):
    """Charges every order (list price minus any discount given earlier in the transact
    stage), books the fee and the cost of goods, and marks the buyer.

    Fee on the amount paid: the platform's ``take_rate``, except for an ordinary ("organic")
    order of a brand that sells through an external link (``storefront: external``), paid in
    the brand's own shop: it pays ``storefront.external_payment_fee`` to the payment
    processor instead (outside the market).

    Discounts are marketing spend (``new_marketing_spend``): each order's money off the list price is
    counted by where it was given — referral links (ordinary orders with a discount), group deals,
    live sessions, free samples (seeding: the whole list price)."""

    name = "checkout"
    stage = "transact"
    after = ("referral",)
    reads = ("orders", "external_brands", "external_fee")
    writes = ("orders", "bought", "orders_by_brand", "last_purchase_day")
    help = "payment of orders (core; switch off only to study awareness alone)"
    metrics = {
        "new_orders": "orders placed",
        "new_gmv": "gross merchandise value: amount paid at checkout (currency units)",
        "new_referral_discounts": "discounts given to buyers through a referral link (currency units)",
        "new_group_discounts": "discounts of filled group deals off the list price (currency units)",
        "new_live_discounts": "discounts of live-session orders off the list price (currency units)",
        "new_sample_discounts": "list price of the free samples given (seeding; currency units)",
    }
    DISCOUNT_METRICS = {"organic": "new_referral_discounts", "group": "new_group_discounts",
                        "live": "new_live_discounts", "seeding": "new_sample_discounts"}

    def step(self, market) -> None:
        o, pop = market.orders, market.population
        if len(o) == 0:
            return
        brand = market.product_brand[o.products]
        offsite = market.external_brands[brand] & (o.channel == CHANNELS.index("organic"))
        o.paid = market.ledger.sale(o.consumers, brand, market.product_price[o.products], o.discount,
                                    market.product_cost[o.products], offsite, market.external_fee,
                                    o.subsidy)
        pop.bought[o.consumers, o.products] = True
        np.add.at(pop.orders_by_brand, (o.consumers, brand), 1)
        pop.last_purchase_day[o.consumers, market.product_category[o.products]] = market.day
        market.tally("new_orders", brand)
        market.tally("new_gmv", brand, o.paid)
        for code, channel in enumerate(CHANNELS):
            given = (o.channel == code) & (o.discount > 0)
            if given.any():
                market.tally(self.DISCOUNT_METRICS[channel], brand[given], o.discount[given])
