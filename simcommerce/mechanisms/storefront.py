"""Social mall vs external link: where the purchase happens, and how many buyers each step loses."""

from __future__ import annotations

import numpy as np

from ..buffers import CHANNELS
from ..spec import Param
from .base import Mechanism, State, register


@register
class Storefront(Mechanism):
    """A brand sells inside the platform's social mall (``storefront: mall``) or through a link
    to its own shop (``storefront: external``). A consumer who decided to buy goes through
    the funnel step by step — clicks through (``click_rate``), lands on a working page
    (``landing_rate``), completes payment (``checkout_rate``) — with rates per channel: the
    in-app mall keeps nearly everyone, a redirect loses buyers at each step (log-in,
    page load, a second payment form). Orders that drop out are removed before checkout.
    Only ordinary ("organic") orders take the funnel: free samples, group deals and
    live-stream orders are placed in the app by their own mechanisms.
    **Fees.** An order paid in the brand's own shop never passes the platform's checkout, so
    it pays no ``platform.take_rate``: the brand pays the payment processor
    ``external_payment_fee`` × amount paid instead (booked as ``payment_fees``, money that
    leaves the market; see ``checkout``). Orders placed in the app (mall orders, and samples,
    group deals and live-stream orders of either kind of brand) pay the take rate.
    Runs after every mechanism that places orders in the decide stage (order 50).
    One draw per buyer and step a day, the buyer's own (common random numbers).
    """

    name = "storefront"
    stage = "decide"
    after = ("decision", "group_buying", "livestream", "seeding")
    reads = ("orders",)
    state = {
        "external_brands": State(lambda m: np.zeros(len(m.brands), dtype=bool), "brands selling through an "
                                 "external link"),
        "external_fee": State(lambda m: 0.0, "payment processor's fee on an order paid in a brand's own shop, 0-1"),
    }
    writes = ("orders",)
    help = "purchase funnel: in-platform social mall vs external shop link"
    params = {
        "mall_click_rate": Param(1.0, "float", "mall: share who go on from the product card", "0-1", 0, 1),
        "mall_landing_rate": Param(1.0, "float", "mall: share whose in-app page loads", "0-1", 0, 1),
        "mall_checkout_rate": Param(1.0, "float", "mall: share who complete in-app payment", "0-1", 0, 1),
        "external_click_rate": Param(0.7, "float", "external: share who follow the link out of the app", "0-1", 0, 1),
        "external_landing_rate": Param(0.8, "float", "external: share whose shop page loads and who stay", "0-1",
                                       0, 1),
        "external_checkout_rate": Param(0.75, "float", "external: share who complete payment in the shop", "0-1",
                                        0, 1),
        "external_payment_fee": Param(0.006, "float", "external: payment processor's fee on an order paid in "
                                      "the brand's own shop, instead of the platform's take rate", "0-1", 0, 1),
    }
    policy = {"storefront": Param("mall", "str", "where the brand sells", choices=("mall", "external"))}
    metrics = {
        "new_funnel_intent": "orders consumers set out to place (before the storefront funnel)",
        "new_funnel_clicked": "… who clicked through",
        "new_funnel_landed": "… whose shop page loaded",
        "new_funnel_paid": "… who paid (= orders kept)",
    }
    STEPS = ("click", "landing", "checkout")

    def setup(self, market) -> None:
        ext = np.array([self.policy_of(b)["storefront"] == "external" for b in market.brands])
        self.external = market.external_brands = ext  # bool per brand: sells through an external link
        market.external_fee = self.p.external_payment_fee
        self.rates = {s: np.where(ext, self.p[f"external_{s}_rate"], self.p[f"mall_{s}_rate"]) for s in self.STEPS}

    def step(self, market) -> None:
        o = market.orders
        if len(o) == 0:
            return
        brand = market.product_brand[o.products]
        organic = o.channel == CHANNELS.index("organic")
        keep = np.ones(len(o), dtype=bool)
        market.tally("new_funnel_intent", brand[organic])
        for k, (s, metric) in enumerate(zip(self.STEPS, ("new_funnel_clicked", "new_funnel_landed",
                                                          "new_funnel_paid"))):
            keep &= ~organic | (self.uniforms(market, o.consumers, k) < self.rates[s][brand])
            market.tally(metric, brand[keep & organic])
        if not keep.all():
            o.keep(keep)
