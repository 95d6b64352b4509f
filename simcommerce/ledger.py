"""Money: every unit paid by a consumer is accounted to a brand, the platform, a promoter,
an influencer, or a party outside the market: the brand's suppliers (cost of goods), a
review farm, the payment processor of an external shop, the regulator (fines).

Brand accounts are cumulative per-brand arrays (currency units); the counterparties
keep their own balances (consumers' ``spent``/``refunded``/``earned`` arrays, the
platform's ``income``, each influencer's ``earnings``), so :meth:`Ledger.imbalance`
checks two independent bookkeepings against each other.
"""

from __future__ import annotations

import numpy as np

BRAND_FLOWS = ("revenue", "discounts", "refunds", "platform_fees", "cogs", "ad_spend", "influencer_fees",
               "commissions", "fake_review_spend", "payment_fees", "fines")
# flows paid to parties outside the market (not received by any simulated agent)
OUTSIDE_FLOWS = ("cogs", "fake_review_spend", "payment_fees", "fines")
# what a brand spends to win and keep customers: ads, influencer posts, live hosts' slot fees and commission,
# referral commissions and headcount pay, fake reviews, and every discount (referral links, group deals, live
# sessions, free samples). ``Brand.marketing_budget`` caps their sum (``Brand.marketing_spent``).
MARKETING_FLOWS = ("ad_spend", "influencer_fees", "commissions", "fake_review_spend", "discounts")


class Ledger:
    """Cumulative money flows of one market."""

    def __init__(self, market):
        self.market = market
        b = len(market.brands)
        self.brand = {flow: np.zeros(b) for flow in BRAND_FLOWS}
        self.platform_income = 0.0
        self.escrow = 0.0  # payments the platform holds for open group deals (group_buying)
        self.platform = {}  # money the platform pays through a mechanism, by declared flow (currency units)
        self.take_rate = market.config["platform"]["take_rate"]

    def declare(self, flows) -> None:
        """Open the platform's flows that the enabled mechanisms declare (``Mechanism.flows``)."""
        self.platform.update({f: 0.0 for f in flows})

    def platform_pays(self, flow: str, amount: float) -> None:
        """The platform pays ``amount`` (currency units) through the declared ``flow`` (e.g. coupons it funds)."""
        if flow not in self.platform:
            raise KeyError(f"ledger flow {flow!r} is not declared by an enabled mechanism (Mechanism.flows)")
        self.platform[flow] += amount
        self.platform_income -= amount

    def _add(self, flow: str, brand: np.ndarray, amount: np.ndarray) -> None:
        self.brand[flow] += np.bincount(brand, weights=amount, minlength=len(self.brand[flow]))

    def within_budget(self) -> np.ndarray:
        """Per brand: whether it has marketing budget left (True without a budget). Programmes that pay as sales
        come (referral discounts and commissions, new group deals, free samples) pause once it is spent."""
        return np.array([b.marketing_budget is None or b.marketing_spent < b.marketing_budget - 1e-9
                         for b in self.market.brands])

    def sale(self, consumers: np.ndarray, brand: np.ndarray, price: np.ndarray, discount: np.ndarray,
             cost: np.ndarray, offsite: np.ndarray | None = None, offsite_fee: float = 0.0,
             subsidy: np.ndarray | float = 0.0) -> np.ndarray:
        """Consumers pay ``price - discount - subsidy``; the brand pays the fee and the goods. Returns paid.

        ``discount`` is the brand's money off, ``subsidy`` the platform's (booked by the mechanism that gives it,
        with :meth:`platform_pays`): the brand is paid ``price - discount`` and the fee is on that. The fee is the
        platform's take rate, except for orders where ``offsite`` is true (paid in the brand's own shop):
        ``offsite_fee`` × paid to the payment processor (``payment_fees``)."""
        paid = price - discount - subsidy
        np.add.at(self.market.population.spent, consumers, paid)
        fee = self.take_rate * (paid + subsidy)
        if offsite is not None and offsite.any():
            fee = np.where(offsite, 0.0, fee)
            self._add("payment_fees", brand[offsite], offsite_fee * (paid + subsidy)[offsite])
        self._add("revenue", brand, price)
        self._add("discounts", brand, discount)
        self._add("platform_fees", brand, fee)
        self._add("cogs", brand, cost)
        self.platform_income += float(fee.sum())
        return paid

    def refund(self, consumers: np.ndarray, brand: np.ndarray, amount: np.ndarray) -> None:
        """The brand refunds consumers (returned goods are not resold; the platform keeps its fee)."""
        np.add.at(self.market.population.refunded, consumers, amount)
        self._add("refunds", brand, amount)

    def commission(self, promoters: np.ndarray, brand: np.ndarray, amount: np.ndarray) -> None:
        """The brand pays promoters (consumers) a commission."""
        np.add.at(self.market.population.earned, promoters, amount)
        self._add("commissions", brand, amount)

    def ad_spend(self, brand: int, amount: float) -> None:
        """The brand buys ads from the platform."""
        self.brand["ad_spend"][brand] += amount
        self.platform_income += amount

    def influencer_fee(self, brand: int, influencer, amount: float) -> None:
        """The brand pays an influencer for a post."""
        self.brand["influencer_fees"][brand] += amount
        influencer.earnings += amount

    def influencer_commission(self, brand: int, influencer, amount: float) -> None:
        """The brand pays an influencer a commission on sales (booked as influencer fees, marketing spend)."""
        self.brand["influencer_fees"][brand] += amount
        influencer.earnings += amount

    def fake_review_spend(self, brand: int, amount: float) -> None:
        """The brand pays a review farm (outside the market, like suppliers) for fake reviews."""
        self.brand["fake_review_spend"][brand] += amount

    def fine(self, brand: int, amount: float) -> None:
        """The brand pays a fine to the regulator (outside the market; false_advertising)."""
        self.brand["fines"][brand] += amount

    def profit(self) -> np.ndarray:
        """Per brand: revenue − discounts − refunds − platform fees − COGS − ads − influencer fees − commissions
        − fake-review spend − payment fees − fines."""
        f = self.brand
        return f["revenue"] - sum(f[k] for k in BRAND_FLOWS[1:])

    def marketing_spend(self) -> np.ndarray:
        """Per brand: marketing spend so far, the sum of :data:`MARKETING_FLOWS` (currency units)."""
        return sum(self.brand[k] for k in MARKETING_FLOWS)

    def net_sales(self) -> np.ndarray:
        """Per brand: what consumers paid the brand so far, less refunds (revenue − discounts − refunds;
        entry fees included; currency units)."""
        f = self.brand
        return f["revenue"] - f["discounts"] - f["refunds"]

    def imbalance(self) -> float:
        """|money consumers paid (net) − money everyone else received|; 0 up to rounding."""
        pop = self.market.population
        consumers_net = pop.spent.sum() - pop.refunded.sum()
        received = (self.profit().sum() + sum(self.brand[k].sum() for k in OUTSIDE_FLOWS)
                    + self.platform_income + self.escrow + pop.earned.sum()
                    + sum(i.earnings for i in self.market.influencers))
        return abs(consumers_net - received)

    def escrow_hold(self, consumers: np.ndarray, amount: np.ndarray) -> None:
        """Consumers pay into escrow (held by the platform until their group deal fills or fails)."""
        np.add.at(self.market.population.spent, consumers, amount)
        self.escrow += float(np.sum(amount))

    def escrow_settle(self, consumers: np.ndarray, amount: np.ndarray) -> None:
        """A group deal filled: the held payments become its orders, charged at checkout the same day
        (the hold is undone here so that each payment counts once, in ``sale``)."""
        np.subtract.at(self.market.population.spent, consumers, amount)
        self.escrow -= float(np.sum(amount))

    def escrow_refund(self, consumers: np.ndarray, amount: np.ndarray) -> None:
        """A group deal failed: the platform returns the held payments (the brand never received them)."""
        np.add.at(self.market.population.refunded, consumers, amount)
        self.escrow -= float(np.sum(amount))

    def entry_fee(self, consumers: np.ndarray, brand: np.ndarray, amount: np.ndarray) -> None:
        """Consumers pay a brand to join its distribution scheme (referral ``entry_fee``; booked as brand
        revenue, so profit and the balance include it, but it is not GMV)."""
        np.add.at(self.market.population.spent, consumers, amount)
        self._add("revenue", brand, amount)
