"""Group buying (pin-tuan, 拼团): an initiator opens a group deal, friends join within a window, else refund."""

from __future__ import annotations

import numpy as np

from ..buffers import CHANNELS, Exposure
from ..spec import Param
from ..unique import unique
from .base import Array, Mechanism, register

OPEN, FILLED, FAILED = 0, 1, 2


@register
class GroupBuying(Mechanism):
    """Group buying (pin-tuan): a brand offers its products at the group price
    ``price * (1 - discount)`` to a group of the initiator plus ``group_size`` (k) partners
    who join within ``window_hours``; a full group buys, an unfilled one is refunded.

    *Time within the day.* Each day is cut into ``rounds_per_day`` rounds of
    ``h = 24 / rounds_per_day`` hours. A group opened in round ``t0`` (a global round
    index, day × rounds_per_day + r) stays open for ``W = max(1, round(window_hours / h))``
    rounds, i.e. until the end of round ``t0 + W - 1`` (it may span several days).

    *Opening.* Each order placed today by ``decision`` (channel organic) for a product whose
    brand offers a group deal (``discount > 0``) is turned into a new group, instead of an
    order, with probability ``min(1, open_prob * price_sensitivity)`` (the would-be buyer
    prefers the group price). The opening round r is uniform in 0..rounds_per_day-1.

    *Escrow (money).* Every member pays the group price when joining; the platform holds
    the money (``Ledger.escrow``, counted in the money-balance identity). A group that
    fills becomes orders (channel ``group``, discount ``price * discount``) that checkout
    charges the same day: the held payments are applied to them (``Ledger.escrow_settle``),
    so the brand books revenue, discount, fee and cost of goods exactly as for any sale. A
    group still short of members at the end of its window fails and every member gets back
    exactly what they paid (``Ledger.escrow_refund``); the brand never saw that money.

    *Invitations.* The initiator, on opening, and (if ``invite_further``) each partner, in
    the round after joining, invite ``invites_per_member`` random friends (duplicates
    removed). An invitation is seen ``D`` rounds after it is sent, ``D ~ Geometric(p) - 1``
    with mean ``response_delay_hours / h`` (so ``p = 1 / (1 + response_delay_hours / h)``);
    one seen after the window has closed, or by a consumer not active on the day it is seen,
    is lost. An invited friend who sees it and is eligible — active, not already in an open
    group for the product, not ordering it today, not within ``decision.cooldown_days`` of a
    purchase in its category — joins with probability::

        p_join = min(1, join_prob * interest_c
                        * (1 + discount_sensitivity * discount * price_sensitivity)
                        * (1 + headcount_effect * m / (k + 1)  if show_headcount else 1))

    where ``m`` is the number of members at the start of the round (initiator included)
    and ``m / (k + 1)`` the share of the group already filled that the deal page shows.
    Showing the current sign-up count raises the success of group deals (Hu, Shi & Wu 2013,
    sequential vs simultaneous group-buying; deal popularity raises purchase, Luo et al.
    2014); the multiplier's size is an assumption. Joiners in a round beyond the open slots
    are turned away in random order; a consumer accepting two groups of the same product in
    one round joins one. Every seen invitation is also an exposure of the product (channel
    ``group_invite``, ``invite_credibility``, message = the inviter's belief), applied in
    the next expose stage: invitations spread awareness even when nobody joins.

    *Open groups (Pinduoduo).* If the brand lists them (``list_open_groups``), the product
    page shows the open group nearest to filling (most members; the oldest among equals),
    with its sign-up count. Today's in-market shoppers aware of the product (from
    ``decision``) who placed no order in its category today visit the page once, at a
    uniform round of the day; a visitor who finds an open group there is a candidate like
    an invited friend, with ``stranger_join_prob`` in place of ``join_prob`` (same eligibility,
    discount and head-count multipliers: the shown count acts as social proof). These are the
    marginal shoppers whom the group price converts; a stranger who joins invites friends
    too (if ``invite_further``).

    *Fallback.* When a group fails, its initiator — a would-be buyer at the list price —
    is refunded and then buys alone at the list price (an ordinary order, channel
    ``organic``) with probability ``fallback_prob``, unless it has bought in the category
    since the group opened or orders the product today anyway. Partners, who joined for the
    discount, do not. Pinduoduo offers "buy alone" (单独购买) at the higher price next to
    every group deal; no published share of failed initiators who use it exists, so the
    default 0.5 is an assumption (the model gives the no-fallback case at 0).

    *Outcomes.* A group that reaches ``k + 1`` members closes as filled; its fill time is
    ``(t_fill - t0 + 1) * h`` hours (resolution one round). A partner who had never bought
    from the brand counts as a new customer reached through invitations. There is no
    published success rate of group deals: the join and open probabilities are calibrated
    assumptions (the shipped scenario gives success rates of tens of percent), to be varied
    in a sensitivity analysis.

    Draws (own randomness): the would-be buyer's own uniform of the day for opening (slot 0) and
    the failed initiator's for the fallback (slot 1), the page visitors' rounds, then per
    round only what the open groups need (private, so other mechanisms are unaffected).
    """

    name = "group_buying"
    stage = "decide"
    after = ("decision",)
    reads = ("active", "belief", "interest", "price_sensitivity", "shoppers", "last_purchase_day@yesterday",
             "orders_by_brand@yesterday")
    writes = ("orders", "aware", "feed@tomorrow")
    arrays = {"in_group": Array("bool", False, ("products",), "member of an open group deal for the product")}
    enabled_by_default = False
    help = "group buying (pin-tuan): k partners must join within a window, else refund"
    params = {
        "open_prob": Param(0.3, "float", "chance a would-be buyer opens a group instead, per unit of price "
                           "sensitivity (capped at 1)", "0-1", 0, 1),
        "invites_per_member": Param(5, "int", "friends each member invites (drawn at random, duplicates removed)",
                                    "friends", 1, 1000),
        "invite_further": Param(True, "bool", "partners invite their own friends too (else only the initiator)"),
        "join_prob": Param(0.2, "float", "chance an invited friend joins at full category interest, before the "
                           "discount and head-count multipliers", "0-1", 0, 1),
        "discount_sensitivity": Param(5.0, "float", "relative increase of joining per unit of discount × price "
                                      "sensitivity", "", 0, 1000),
        "headcount_effect": Param(1.0, "float", "relative increase of joining per unit of the shown filled share "
                                  "m/(k+1) (Hu, Shi & Wu 2013)", "", 0, 100),
        "rounds_per_day": Param(4, "int", "sub-rounds per day (resolution of windows and fill times)", "", 1, 96),
        "response_delay_hours": Param(6.0, "float", "mean time before an invited friend sees the invitation",
                                      "hours", 0, 720),
        "fallback_prob": Param(0.5, "float", "chance the initiator of a failed group, once refunded, buys alone at "
                               "the list price (assumption: no published rate)", "0-1", 0, 1),
        "stranger_join_prob": Param(0.05, "float", "chance an in-market shopper aware of the product, who sees an open "
                                    "group on its page, joins it at full category interest, before the discount and "
                                    "head-count multipliers (assumption)", "0-1", 0, 1),
        "invite_credibility": Param(0.5, "float", "weight of an invitation's message in the invitee's belief",
                                    "0-1", 0, 1),
    }
    policy = {
        "discount": Param(0.0, "float", "group price = list price × (1 − discount); 0: no group deals", "0-1",
                          0, 0.99),
        "group_size": Param(2, "int", "partners needed besides the initiator (k)", "consumers", 1, 1000),
        "window_hours": Param(24.0, "float", "time a group has to fill, from its opening", "hours", 0.01, 24 * 365),
        "show_headcount": Param(True, "bool", "the deal page shows how many have joined so far"),
        "list_open_groups": Param(True, "bool", "the product page lists open groups that any shopper may join "
                                  "(Pinduoduo's open groups); else only invited friends can join"),
    }
    metrics = {
        "new_groups_opened": "group deals opened",
        "new_groups_filled": "group deals that filled (became orders)",
        "new_groups_failed": "group deals that expired unfilled (members refunded)",
        "new_group_members": "consumers who joined a group (initiators included), paying into escrow",
        "new_group_invitations": "group invitations seen by active friends",
        "new_group_gmv": "amount paid for filled groups' orders at the group price (currency units)",
        "new_group_refunds": "money refunded to members of failed groups (currency units)",
        "new_group_new_customers": "partners of filled groups who had never bought from the brand",
        "group_success_rate": "filled / (filled + failed) groups so far, 0-1 (0 before any closes)",
        "mean_fill_hours": "mean time to fill of the groups filled so far (hours)",
        "n_groups_open": "groups open at the end of the day",
        "new_group_strangers": "shoppers who joined an open group from the product page (not invited)",
        "new_group_fallback_orders": "initiators of failed groups who then bought alone at the list price",
    }

    # ------------------------------------------------------------------ setup

    def setup(self, market) -> None:
        pop = market.population
        pols = [self.policy_of(b) for b in market.brands]
        self.discount = np.array([p["discount"] for p in pols], dtype=float)
        self.k = np.array([p["group_size"] for p in pols], dtype=np.int64)
        self.show = np.array([p["show_headcount"] for p in pols], dtype=bool)
        self.listed = np.array([p["list_open_groups"] for p in pols], dtype=bool)
        self.hours = 24.0 / self.p.rounds_per_day
        self.window = np.array([max(1, int(round(p["window_hours"] / self.hours))) for p in pols], dtype=np.int64)
        mean_delay = self.p.response_delay_hours / self.hours
        self.p_seen = 1.0 / (1.0 + mean_delay)
        dec = market.config["mechanisms"].get("decision", {})
        self.cooldown = dec.get("cooldown_days", 0) if dec.get("enabled", False) else 0
        self.in_group = pop.in_group
        # groups (one element per group, ever)
        self.g_brand = np.empty(0, dtype=np.int64)
        self.g_product = np.empty(0, dtype=np.int64)
        self.g_open = np.empty(0, dtype=np.int64)  # global round opened
        self.g_deadline = np.empty(0, dtype=np.int64)  # last round it may fill in
        self.g_need = np.empty(0, dtype=np.int64)  # members needed, k + 1
        self.g_size = np.empty(0, dtype=np.int64)  # members so far
        self.g_state = np.empty(0, dtype=np.int8)
        self.g_fill_round = np.empty(0, dtype=np.int64)
        # members of open groups
        self.m_group = np.empty(0, dtype=np.int64)
        self.m_consumer = np.empty(0, dtype=np.int64)
        self.m_paid = np.empty(0)
        self.m_initiator = np.empty(0, dtype=bool)
        self.m_round = np.empty(0, dtype=np.int64)  # round joined
        # invitations not yet seen
        self.i_group = np.empty(0, dtype=np.int64)
        self.i_consumer = np.empty(0, dtype=np.int64)
        self.i_sender = np.empty(0, dtype=np.int64)
        self.i_due = np.empty(0, dtype=np.int64)
        nb = len(market.brands)
        self.filled_total = np.zeros(nb)
        self.failed_total = np.zeros(nb)
        self.fill_hours_total = np.zeros(nb)

    def report(self, market) -> dict[str, tuple]:
        closed = self.filled_total + self.failed_total
        rate = np.divide(self.filled_total, closed, out=np.zeros_like(closed), where=closed > 0)
        fill = np.divide(self.fill_hours_total, self.filled_total, out=np.zeros_like(closed),
                         where=self.filled_total > 0)
        open_now = np.bincount(self.g_brand[self.g_state == OPEN], minlength=len(closed)).astype(float)
        total_closed, total_filled = closed.sum(), self.filled_total.sum()
        return {
            "group_success_rate": (rate, total_filled / total_closed if total_closed else 0.0),
            "mean_fill_hours": (fill, self.fill_hours_total.sum() / total_filled if total_filled else 0.0),
            "n_groups_open": (open_now, open_now.sum()),
        }

    # ------------------------------------------------------------------ daily step

    def step(self, market) -> None:
        self.exposures: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (consumers, product, message)
        self._open_groups(market)
        self._strangers(market)
        rpd = self.p.rounds_per_day
        for r in range(rpd):
            self._round(market, market.day * rpd + r)
        live = self.g_state[self.i_group] == OPEN  # drop invitations to closed groups
        self.i_group, self.i_consumer, self.i_sender, self.i_due = (
            self.i_group[live], self.i_consumer[live], self.i_sender[live], self.i_due[live])
        if self.exposures:
            c = np.concatenate([e[0] for e in self.exposures])
            j = np.concatenate([e[1] for e in self.exposures])
            msg = np.concatenate([e[2] for e in self.exposures])
            for prod in unique(j):
                k = j == prod
                market.feed.append(Exposure(c[k], int(prod), "group_invite", self.p.invite_credibility, msg[k]))

    def _open_groups(self, market) -> None:
        o, pop = market.orders, market.population
        if len(o) == 0 or not (self.discount > 0).any():
            return
        brand = market.product_brand[o.products]
        organic = o.channel == CHANNELS.index("organic")
        p_open = np.minimum(1.0, self.p.open_prob * pop.price_sensitivity[o.consumers])
        opens = organic & (self.discount[brand] > 0) & (self.uniforms(market, o.consumers) < p_open) \
            & ~self.in_group[o.consumers, o.products] & market.ledger.within_budget()[brand]  # none once spent
        if not opens.any():
            return
        keep = ~opens
        consumers, products = o.consumers[opens], o.products[opens]
        o.keep(keep)  # the would-be order becomes a group (decide stage: no payment yet)
        rpd = self.p.rounds_per_day
        n_new = len(consumers)
        b = market.product_brand[products]
        start = market.day * rpd + self.rng.integers(0, rpd, n_new)
        ids = len(self.g_brand) + np.arange(n_new)
        self.g_brand = np.concatenate([self.g_brand, b])
        self.g_product = np.concatenate([self.g_product, products])
        self.g_open = np.concatenate([self.g_open, start])
        self.g_deadline = np.concatenate([self.g_deadline, start + self.window[b] - 1])
        self.g_need = np.concatenate([self.g_need, self.k[b] + 1])
        self.g_size = np.concatenate([self.g_size, np.ones(n_new, dtype=np.int64)])
        self.g_state = np.concatenate([self.g_state, np.full(n_new, OPEN, dtype=np.int8)])
        self.g_fill_round = np.concatenate([self.g_fill_round, np.full(n_new, -1, dtype=np.int64)])
        price = self._group_price(market, products)
        self._add_members(market, ids, consumers, price, np.ones(n_new, dtype=bool), start)
        market.tally("new_groups_opened", b)
        self._invite(market, ids, consumers, start)

    def _strangers(self, market) -> None:
        """Today's visitors of listed product pages: in-market shoppers aware of a product with a listed group
        deal who placed no order in its category today, each at a uniform round of the day."""
        self.v_consumer = self.v_product = self.v_round = np.empty(0, dtype=np.int64)
        shoppers = market.shoppers
        if not shoppers or self.p.stranger_join_prob <= 0:
            return
        o = market.orders
        listed = np.flatnonzero((self.discount[market.product_brand] > 0) & self.listed[market.product_brand])
        cs, js = [], []
        for cat, (ids, prods, aware) in shoppers.items():
            bought = np.isin(ids, o.consumers[market.product_category[o.products] == cat]) if len(o) else \
                np.zeros(len(ids), dtype=bool)
            for k, j in enumerate(prods):
                if j in listed:
                    who = ids[aware[:, k] & ~bought & ~self.in_group[ids, j]]
                    cs.append(who), js.append(np.full(len(who), j, dtype=np.int64))
        if cs:
            rpd = self.p.rounds_per_day
            self.v_consumer, self.v_product = np.concatenate(cs), np.concatenate(js)
            self.v_round = market.day * rpd + self.rng.integers(0, rpd, len(self.v_consumer))

    def _visitors(self, g: int) -> tuple[np.ndarray, np.ndarray]:
        """(group, consumer) of this round's page visitors who see an open group: the page shows the open group
        of the product nearest to filling (most members; the oldest among equals)."""
        now = np.flatnonzero(self.v_round == g)
        open_g = np.flatnonzero((self.g_state == OPEN) & (self.g_open <= g) & (self.g_deadline >= g))
        if len(now) == 0 or len(open_g) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        best = np.full(len(self.market.products), -1, dtype=np.int64)
        o = np.lexsort((-open_g, self.g_size[open_g]))  # ascending size, then newest first: the last write wins
        best[self.g_product[open_g[o]]] = open_g[o]
        grp = best[self.v_product[now]]
        seen = grp >= 0
        return grp[seen], self.v_consumer[now][seen]

    def _group_price(self, market, products: np.ndarray) -> np.ndarray:
        return market.product_price[products] * (1.0 - self.discount[market.product_brand[products]])

    def _add_members(self, market, groups, consumers, paid, initiator, rounds) -> None:
        market.ledger.escrow_hold(consumers, paid)
        self.in_group[consumers, self.g_product[groups]] = True
        market.population.aware[consumers, self.g_product[groups]] = True
        self.m_group = np.concatenate([self.m_group, groups])
        self.m_consumer = np.concatenate([self.m_consumer, consumers])
        self.m_paid = np.concatenate([self.m_paid, paid])
        self.m_initiator = np.concatenate([self.m_initiator, initiator])
        self.m_round = np.concatenate([self.m_round, rounds])
        market.tally("new_group_members", self.g_brand[groups])

    def _invite(self, market, groups: np.ndarray, senders: np.ndarray, sent_round: np.ndarray) -> None:
        """Each sender invites ``invites_per_member`` random friends; seen after a geometric delay."""
        if len(senders) == 0:
            return
        # a consumer may send for several groups at once: sample in batches where each sender appears once
        order = np.argsort(senders, kind="stable")
        s_sorted = senders[order]
        first = np.r_[True, s_sorted[1:] != s_sorted[:-1]]
        run_start = np.maximum.accumulate(np.where(first, np.arange(len(s_sorted)), 0))
        rank = np.empty(len(senders), dtype=np.int64)
        rank[order] = np.arange(len(s_sorted)) - run_start
        for level in range(int(rank.max()) + 1):
            idx = np.flatnonzero(rank == level)
            s, rcv = market.friends.sample_neighbors(senders[idx], self.p.invites_per_member, self.rng)
            if len(rcv) == 0:
                continue
            so = np.argsort(senders[idx])
            pos = idx[so][np.searchsorted(senders[idx][so], s)]
            delay = self.rng.geometric(self.p_seen, len(rcv)) - 1
            self.i_group = np.concatenate([self.i_group, groups[pos]])
            self.i_consumer = np.concatenate([self.i_consumer, rcv])
            self.i_sender = np.concatenate([self.i_sender, s])
            self.i_due = np.concatenate([self.i_due, sent_round[pos] + delay])

    def _round(self, market, g: int) -> None:
        pop = market.population
        # invitations seen this round, then shoppers who see an open group on the product page
        due = self.i_due == g
        sg, sc = self._visitors(g)
        if due.any() or len(sg):
            grp, c, sender = self.i_group[due], self.i_consumer[due], self.i_sender[due]
            self.i_group, self.i_consumer = self.i_group[~due], self.i_consumer[~due]
            self.i_sender, self.i_due = self.i_sender[~due], self.i_due[~due]
            live = (self.g_state[grp] == OPEN) & (g <= self.g_deadline[grp]) & market.active[c]
            grp, c, sender = grp[live], c[live], sender[live]
            j = self.g_product[grp]
            b = self.g_brand[grp]
            if len(c):
                market.tally("new_group_invitations", b)
                self.exposures.append((c, j, pop.belief[sender, j].copy()))
            stranger = np.r_[np.zeros(len(c), dtype=bool), np.ones(len(sc), dtype=bool)]
            grp, c = np.r_[grp, sg], np.r_[c, sc]
            j, b = self.g_product[grp], self.g_brand[grp]
            cat = market.product_category[j]
            eligible = ~self.in_group[c, j] & ((market.day - pop.last_purchase_day[c, cat]) > self.cooldown)
            if len(market.orders):
                today = np.zeros((pop.n,), dtype=bool)
                for prod in unique(j):
                    today[:] = False
                    today[market.orders.consumers[market.orders.products == prod]] = True
                    eligible[j == prod] &= ~today[c[j == prod]]
            d, k = self.discount[b], self.g_need[grp] - 1
            headcount = np.where(self.show[b], 1.0 + self.p.headcount_effect * self.g_size[grp] / (k + 1), 1.0)
            base = np.where(stranger, self.p.stranger_join_prob, self.p.join_prob)
            p_join = np.minimum(1.0, base * pop.interest[c, cat]
                                * (1.0 + self.p.discount_sensitivity * d * pop.price_sensitivity[c]) * headcount)
            u = self.rng.random(len(c))
            yes = np.flatnonzero(eligible & (u < p_join))
            if len(yes):
                yes = yes[self.rng.permutation(len(yes))]  # random order decides who gets the last slots
                _, first = unique(c[yes] * len(market.products) + j[yes], return_index=True)
                yes = yes[np.sort(first)]  # one group per consumer and product
                gy = grp[yes]
                o = np.argsort(gy, kind="stable")
                gs = gy[o]
                starts = np.r_[True, gs[1:] != gs[:-1]]
                pos = np.arange(len(gs)) - np.maximum.accumulate(np.where(starts, np.arange(len(gs)), 0))
                slots = self.g_need[gs] - self.g_size[gs]
                take = yes[o][pos < slots]
                gj, cj = grp[take], c[take]
                market.tally("new_group_strangers", self.g_brand[gj[stranger[take]]])
                np.add.at(self.g_size, gj, 1)
                self._add_members(market, gj, cj, self._group_price(market, self.g_product[gj]),
                                  np.zeros(len(take), dtype=bool), np.full(len(take), g))
                if self.p.invite_further:
                    self._invite(market, gj, cj, np.full(len(take), g + 1))
        # groups that filled this round, then groups whose window ends with this round
        filled = np.flatnonzero((self.g_state == OPEN) & (self.g_size >= self.g_need))
        if len(filled):
            self._close_filled(market, filled, g)
        failed = np.flatnonzero((self.g_state == OPEN) & (self.g_deadline <= g))
        if len(failed):
            self._close_failed(market, failed)

    def _pop_members(self, groups: np.ndarray):
        """Remove the members of ``groups`` (now closed): (group, consumer, paid, is_initiator) arrays."""
        mask = np.isin(self.m_group, groups)
        out = (self.m_group[mask], self.m_consumer[mask], self.m_paid[mask], self.m_initiator[mask])
        keep = ~mask
        self.m_group, self.m_consumer, self.m_paid = self.m_group[keep], self.m_consumer[keep], self.m_paid[keep]
        self.m_initiator, self.m_round = self.m_initiator[keep], self.m_round[keep]
        self.in_group[out[1], self.g_product[out[0]]] = False
        return out

    def _close_filled(self, market, groups: np.ndarray, g: int) -> None:
        pop = market.population
        self.g_state[groups] = FILLED
        self.g_fill_round[groups] = g
        b = self.g_brand[groups]
        nb = len(self.filled_total)
        self.filled_total += np.bincount(b, minlength=nb)
        self.fill_hours_total += np.bincount(b, weights=(g - self.g_open[groups] + 1) * self.hours, minlength=nb)
        market.tally("new_groups_filled", b)
        grp, c, paid, initiator = self._pop_members(groups)
        j = self.g_product[grp]
        mb = self.g_brand[grp]
        market.ledger.escrow_settle(c, paid)
        price = market.product_price[j]
        market.orders.append(c, j, pop.belief[c, j], "group", discount=price - paid)
        market.tally("new_group_gmv", mb, paid)
        new = ~initiator & (pop.orders_by_brand[c, mb] == 0)
        market.tally("new_group_new_customers", mb[new])

    def _close_failed(self, market, groups: np.ndarray) -> None:
        self.g_state[groups] = FAILED
        b = self.g_brand[groups]
        self.failed_total += np.bincount(b, minlength=len(self.failed_total))
        market.tally("new_groups_failed", b)
        grp, c, paid, initiator = self._pop_members(groups)
        market.ledger.escrow_refund(c, paid)
        market.tally("new_group_refunds", self.g_brand[grp], paid)
        # the refunded initiator may still buy alone, at the list price, unless it has bought in the category
        # since opening the group or orders the product today anyway
        grp, c = grp[initiator], c[initiator]
        j = self.g_product[grp]
        pop, o = market.population, market.orders
        opened_day = self.g_open[grp] // self.p.rounds_per_day
        ok = (pop.last_purchase_day[c, market.product_category[j]] < opened_day) \
            & (self.uniforms(market, c, 1) < self.p.fallback_prob)
        if len(o):
            ok &= ~np.isin(c * len(market.products) + j, o.consumers * len(market.products) + o.products)
        c, j = c[ok], j[ok]
        if len(c):
            market.orders.append(c, j, pop.belief[c, j], "organic")
            market.tally("new_group_fallback_orders", market.product_brand[j])
