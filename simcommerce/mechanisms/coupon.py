"""Platform coupons: the platform hands out money-off coupons and pays for them when they are used."""

from __future__ import annotations

import numpy as np

from ..population import NEVER
from ..spec import Param
from ..unique import unique
from .base import Array, Mechanism, register


@register
class Coupon(Mechanism):
    """Platform-funded coupons (平台券, off by default).

    Each day an active consumer without a coupon receives one with probability ``daily_issue_share``. It
    takes ``value`` (currency units) off one order of a product whose list price is at least ``min_spend``,
    placed within ``valid_days`` from the next day. The platform pays it: the buyer pays ``price − value``,
    the brand is paid as without the coupon (ledger flow ``coupons``, platform income falls by the value).

    In the purchase decision, a holder sees every product the coupon applies to as ``value`` cheaper,
    times ``salience``: the utility term is ``salience × beta_price × price_sensitivity × value / price_scale``
    (the decision's own price coefficients). A consumer uses the coupon on the first eligible order of the day.
    """

    name = "coupon"
    stage = "transact"
    after = ("referral",)
    before = ("checkout",)
    reads = ("active", "orders")
    writes = ("orders",)
    arrays = {"coupon_until": Array("int32", NEVER, help="last day the consumer's coupon can be used (NEVER: none)")}
    flows = {"coupons": "coupons the platform pays for on orders (currency units)"}
    enabled_by_default = False
    help = "platform-funded money-off coupons: a decision term, a discount, a ledger flow (off by default)"
    params = {
        "daily_issue_share": Param(0.02, "float", "daily chance that an active consumer without a coupon gets one",
                                   "1/day", 0, 1),
        "value": Param(10.0, "float", "money off one order", "currency units", 0, 1e9),
        "min_spend": Param(50.0, "float", "lowest list price the coupon applies to", "currency units", 0, 1e9),
        "valid_days": Param(7, "int", "days the coupon can be used, from the day after it is given", "days",
                            1, 3650),
        "salience": Param(1.0, "float", "weight of the coupon in the decision against an equal price cut", "×",
                          0, 10),
    }
    metrics = {
        "new_coupons_issued": "coupons given to consumers (market only)",
        "new_coupons_used": "orders of the brand paid partly with a platform coupon",
        "new_coupon_value": "money off the brand's orders paid by the platform's coupons (currency units)",
    }
    market_flows = ("new_coupons_issued",)

    def utility(self, market, ids, prods, decision):
        holds = market.population.coupon_until[ids] >= market.day
        if not holds.any():
            return None
        price = market.product_price[prods]
        off = np.where(price >= self.p.min_spend, np.minimum(self.p.value, price), 0.0)
        d = decision.p
        weight = self.p.salience * d.beta_price * market.population.price_sensitivity[ids] / d.price_scale
        return (holds * weight)[:, None] * off[None, :]

    def step(self, market) -> None:
        pop, o, p = market.population, market.orders, self.p
        if len(o) and market.sells:  # without the checkout nothing is paid, so no coupon is used
            price = market.product_price[o.products]
            eligible = np.flatnonzero((pop.coupon_until[o.consumers] >= market.day) & (price >= p.min_spend))
            _, first = unique(o.consumers[eligible], return_index=True)
            use = eligible[first]  # one coupon a consumer: on the first eligible order of the day
            if len(use):
                value = o.add_discount(use, p.value, price[use], platform=True)
                market.ledger.platform_pays("coupons", float(value.sum()))
                pop.coupon_until[o.consumers[use]] = NEVER
                brand = market.product_brand[o.products[use]]
                market.tally("new_coupons_used", brand)
                market.tally("new_coupon_value", brand, value)
        ids = np.flatnonzero(market.active & (pop.coupon_until < market.day))
        new = ids[self.uniforms(market, ids) < p.daily_issue_share]
        pop.coupon_until[new] = market.day + p.valid_days
        market.recorder.tally_market("new_coupons_issued", len(new))
