"""A naive reference model: the core dynamics of simcommerce written as idiomatic Mesa 3.5.

One ``mesa.Agent`` per consumer, holding its own state as Python attributes, and
per-agent methods activated with ``AgentSet.shuffle_do`` / ``AgentSet.do``, the way
Mesa's documentation and examples teach. Influencers and brands are agents too.

It reads the same resolved scenario dict as :class:`simcommerce.Market` and runs the
same stages in the same order as the vectorised mechanisms::

    wake up (daily activity)
    1 campaign    ads (BrandAgent.advertise), influencer posts (BrandAgent.sponsor_posts -> InfluencerAgent.post),
                  buzz (ConsumerAgent.hear_buzz; off by default)
    2 expose      ConsumerAgent.read_feed            (mechanisms/exposure.py)
    3 decide      ConsumerAgent.decide               (mechanisms/decision.py: multinomial logit + outside option)
    4 transact    ConsumerAgent.pay                  (mechanisms/referral.py, then mechanisms/checkout.py)
    5 experience  ConsumerAgent.use_products          (mechanisms/experience.py)
                  ConsumerAgent.write_reviews         (mechanisms/reviews.py)
                  ConsumerAgent.share                 (mechanisms/word_of_mouth.py)
    6 trust       ConsumerAgent.trust_from_experience, scheduled events and news spreading
                  (ConsumerAgent.hear_news / tell_friends), ConsumerAgent.recover_trust  (mechanisms/trust.py)
    7 record      mesa.DataCollector, one row per day

It exists for two reasons: to check that the vectorised model computes what the
model description says (the two must agree statistically, see
``tests/test_naive_reference.py``), and to measure what vectorisation buys
(``benchmarks/throughput.py``). It is meant to be readable, not fast, but it is not
made deliberately slow either.

The initial state reuses the package's generators so both models start from
identically distributed markets: the friendship and follow graphs come from
:mod:`simcommerce.network` and consumer attributes from
:meth:`simcommerce.population.Population.generate`. Everything that happens day by
day is the per-agent code below; random draws come from Mesa's ``self.random``.

Usage::

    from simcommerce import load_scenario
    from naive_mesa import NaiveMarket
    model = NaiveMarket(load_scenario("scenarios/baseline.yaml"), seed=1)
    model.run()
    df = model.frame()          # one row per day, same metric names as Market
"""

from __future__ import annotations

import math
import statistics
import warnings
from dataclasses import dataclass, field

import mesa
import pandas as pd
from mesa.agentset import AgentSet

import numpy as np

from simcommerce.market import tier_follower_counts
from simcommerce.network import build_follows, build_friendship
from simcommerce.population import Population
from simcommerce.spec import TIERS

NEVER = -(10**9)  # "day" of something that never happened

# Mechanisms this reference implements (a scenario enabling others gets a warning).
IMPLEMENTED = ("ads", "influencer_posts", "buzz", "exposure", "decision", "referral", "checkout", "experience",
               "reviews", "word_of_mouth", "trust")

# Daily flows: reported as new_<name> (today) and cum_<name> (running total).
FLOWS = ("impressions", "ad_spend", "posts", "post_views", "influencer_fees", "buzz_aware", "exposures", "aware",
         "considered", "referral_orders", "commission", "orders", "gmv", "returns", "refunds", "shares", "share_reach")
MARKET_ONLY_FLOWS = ("in_market",)

BRAND_ACCOUNTS = ("revenue", "discounts", "refunds", "platform_fees", "cogs", "ad_spend", "influencer_fees",
                  "commissions")


def below(rng, n: int) -> int:
    """``rng.randrange(n)`` drawn exactly as ``rng.choice`` draws its index (the same stream), without the calls
    in between: the ads draw millions a run."""
    k = n.bit_length()
    r = rng.getrandbits(k)
    while r >= n:
        r = rng.getrandbits(k)
    return r


def clip01(x: float) -> float:
    return 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)


# ---------------------------------------------------------------------------- plain data


@dataclass(eq=False)
class Product:
    """A product; ``ratings[k]`` counts (k+1)-star reviews."""

    index: int
    brand: int
    name: str
    category: int
    price: float
    cost: float
    quality: float
    claimed_quality: float
    ratings: list[int] = field(default_factory=lambda: [0] * 5)
    shown_rating: float = 0.0  # what shoppers see today, -1 (1 star) .. 1 (5 stars)

    def update_shown_rating(self, prior: float) -> None:
        """Mean star rating on a -1..1 scale, shrunk toward 0 when there are few reviews."""
        n = sum(self.ratings)
        if n == 0:
            self.shown_rating = 0.0
            return
        mean = sum((k + 1) * c for k, c in enumerate(self.ratings)) / n
        self.shown_rating = (mean - 3.0) / 2.0 * n / (n + prior)


@dataclass(eq=False)
class Message:
    """Content reaching a consumer: an ad, an influencer post or a friend's share."""

    product: Product
    credibility: float
    quality: float  # the quality the message conveys, 0-1
    sender: "ConsumerAgent | None" = None  # a friend's referral link


@dataclass(eq=False)
class Order:
    """One unit of a product bought today."""

    product: Product
    expectation: float
    discount: float = 0.0
    paid: float = 0.0
    experienced: float = 0.0
    satisfaction: float = 0.0


@dataclass(eq=False)
class News:
    """A scandal about a brand spreading through the friendship graph."""

    brand: int
    severity: float
    start: int
    tellers: list = field(default_factory=list)  # heard yesterday; may tell friends today
    new_tellers: list = field(default_factory=list)


# ---------------------------------------------------------------------------- agents


class ConsumerAgent(mesa.Agent):
    """A consumer, with all of its state as attributes."""

    def __init__(self, model, interest, price_sensitivity, share_propensity, review_propensity, trust,
                 trust_platform, opt_out, belief):
        super().__init__(model)
        n_products, n_brands, n_categories = len(model.products), len(model.brands_cfg), len(model.categories)
        self.interest: list[float] = interest  # per category, 0-1
        self.price_sensitivity: float = price_sensitivity
        self.share_propensity: float = share_propensity
        self.review_propensity: float = review_propensity
        self.trust: list[float] = trust  # per brand, 0-1
        self.trust_baseline: list[float] = list(trust)  # what trust recovers to
        self.trust_platform: float = trust_platform
        self.trust_platform_initial: float = trust_platform
        self.opt_out: bool = opt_out
        self.aware = [False] * n_products
        self.belief: list[float] = belief  # expected quality of each product
        self.bought = [False] * n_products
        self.orders_by_brand = [0] * n_brands
        self.considered = [False] * n_brands
        self.last_purchase_day = [NEVER] * n_categories
        self.last_exposed_day = [NEVER] * n_categories
        self.referrer: list[ConsumerAgent | None] = [None] * n_products
        self.referral_day = [0] * n_products
        self.spent = self.refunded = self.earned = 0.0
        self.friends: list[ConsumerAgent] = []
        self.heard: set[int] = set()  # ids of the news this consumer has heard
        self.active = False
        self.inbox: list[Message] = []
        self.basket: list[Order] = []

    # -- daily activity
    def wake_up(self) -> None:
        """Open the app today or not (less often if trust in the platform fell below where it started)."""
        ratio = min(self.trust_platform / max(self.trust_platform_initial, 1e-6), 1.0)
        self.active = self.random.random() < self.model.active_share * ratio
        self.basket = []

    def receive(self, message: Message) -> None:
        self.inbox.append(message)

    def hear_buzz(self) -> None:
        """Hear of an unknown product with probability talk_rate x (share of friends who bought it)."""
        if not self.friends:
            return
        m = self.model
        p = m.params["buzz"]
        for product in m.products:
            if self.aware[product.index]:
                continue
            share = sum(1 for f in self.friends if f.bought[product.index]) / len(self.friends)
            if share > 0 and self.random.random() < p["talk_rate"] * share:
                self.receive(Message(product, p["credibility"], product.quality))
                m.new["buzz_aware"] += 1

    # -- 2 expose
    def read_feed(self) -> None:
        """Every message becomes awareness and moves belief toward its claim (by credibility)."""
        if not self.inbox:
            return
        m = self.model
        rate = m.params["exposure"]["learning_rate"]
        for msg in self.inbox:
            j = msg.product.index
            m.new["exposures"] += 1
            if not self.aware[j]:
                self.aware[j] = True
                m.new["aware"] += 1
            self.belief[j] += rate * msg.credibility * (msg.quality - self.belief[j])
            self.last_exposed_day[msg.product.category] = m.day
            if msg.sender is not None:
                self.referrer[j] = msg.sender  # last touch wins
                self.referral_day[j] = m.day
        self.inbox = []

    # -- 3 decide
    def utility(self, product: Product) -> float:
        p = self.model.params["decision"]
        j = product.index
        v = (p["asc"] + p["beta_quality"] * self.belief[j] + p["beta_trust"] * (self.trust[product.brand] - 0.5)
             - p["beta_price"] * self.price_sensitivity * product.price / p["price_scale"])
        if p["beta_social"] > 0:
            friends_bought = sum(1 for f in self.friends if f.bought[j])
            v += p["beta_social"] * math.log1p(friends_bought)
        if p["beta_rating"] > 0:
            v += p["beta_rating"] * product.shown_rating
        return v

    def decide(self) -> None:
        """In each category: maybe enter the market, then choose a known product or nothing (logit)."""
        if not self.active:
            return
        m = self.model
        p = m.params["decision"]
        for c, products in enumerate(m.products_by_category):
            if m.day - self.last_purchase_day[c] <= p["cooldown_days"]:
                continue
            fresh = m.day - self.last_exposed_day[c] <= 3
            if self.random.random() >= p["intent_rate"] * self.interest[c] * (1.0 + p["exposure_boost"] * fresh):
                continue
            m.new["in_market"] += 1
            known = [j for j in products if self.aware[j.index]]
            if not known:
                continue
            for b in sorted({j.brand for j in known}):
                self.considered[b] = True
                m.new["considered"] += 1
            weights = [math.exp(min(self.utility(j), 50.0)) for j in known]
            choice = self.random.choices([*known, None], weights=[*weights, 1.0])[0]  # None: the outside option
            if choice is not None:
                if not self.basket:
                    m.buyers.append(self)
                self.basket.append(Order(choice, expectation=self.belief[choice.index]))

    # -- 4 transact
    def pay(self) -> None:
        """Referral link (discount, friend's commission), then checkout."""
        m = self.model
        for order in self.basket:
            product = order.product
            brand = m.brands[product.brand]
            referrer = self.referrer[product.index]
            if (m.enabled["referral"] and brand.has_referral and referrer is not None and referrer is not self
                    and m.day - self.referral_day[product.index] <= brand.referral["window_days"]):
                order.discount = brand.referral["buyer_discount"] * product.price
                commission = sum(brand.referral["rates"][:1]) * (product.price - order.discount)
                referrer.earned += commission
                brand.accounts["commissions"] += commission
                m.new["referral_orders"] += 1
                m.new["commission"] += commission
                self.referrer[product.index] = None  # a link converts once
            if not m.enabled["checkout"]:
                continue
            order.paid = product.price - order.discount
            self.spent += order.paid
            brand.sell(product, order.paid, order.discount)
            self.bought[product.index] = True
            self.orders_by_brand[product.brand] += 1
            self.last_purchase_day[product.category] = m.day
            m.new["orders"] += 1
            m.new["gmv"] += order.paid

    # -- 5 experience
    def use_products(self) -> None:
        """Learn the true quality; satisfaction by expectation-disconfirmation; maybe return the item."""
        m = self.model
        p = m.params["experience"]
        for order in self.basket:
            product = order.product
            if self.random.random() < p["failure_share"] * (1.0 - product.quality):
                experienced = 0.0
            else:
                experienced = clip01(product.quality + p["quality_noise"] * self.random.gauss(0.0, 1.0))
            order.experienced = experienced
            order.satisfaction = clip01(experienced + p["disconfirmation_weight"] * (experienced - order.expectation))
            j = product.index
            self.belief[j] += p["belief_weight"] * (experienced - self.belief[j])
            if order.satisfaction < p["return_threshold"] and self.random.random() < p["return_prob"]:
                self.refunded += order.paid
                m.brands[product.brand].accounts["refunds"] += order.paid
                m.new["returns"] += 1
                m.new["refunds"] += order.paid

    def write_reviews(self) -> None:
        """Strong experiences are reviewed more often (J-shaped ratings)."""
        p = self.model.params["reviews"]
        for order in self.basket:
            s = order.satisfaction
            prob = self.review_propensity * (p["base_prob"] + (1 - p["base_prob"]) * abs(2 * s - 1) ** p["extremity"])
            if self.random.random() < prob:
                stars = 1 + sum(1 for cut in p["star_cutoffs"] if s >= cut)
                order.product.ratings[stars - 1] += 1

    def share(self) -> None:
        """Tell friends about a strong experience (with a referral link if the brand has one); each reads it with
        probability ``attention``."""
        m = self.model
        p = m.params["word_of_mouth"]
        for order in self.basket:
            brand = m.brands[order.product.brand]
            prob = (p["share_prob"] * self.share_propensity * math.sqrt(abs(2 * order.satisfaction - 1))
                    * (1 + p["incentive_sensitivity"] * brand.share_incentive))
            if self.random.random() >= prob:
                continue
            m.new["shares"] += 1
            if not self.friends:
                continue
            if p["reach"] == "each_friend":  # independent cascade: one chance per friend
                told = [f for f in self.friends if self.random.random() < p["per_friend_prob"]]
            else:  # min(friends_per_share, degree) distinct friends picked at random
                told = self.random.sample(self.friends, min(p["friends_per_share"], len(self.friends)))
            m.new["share_reach"] += len(told)
            told = [f for f in told if p["attention"] == 1 or self.random.random() < p["attention"]]  # who reads it
            sender = self if brand.has_referral else None
            for friend in told:
                friend.receive(Message(order.product, p["credibility"], order.experienced, sender))

    # -- 6 trust
    def trust_from_experience(self) -> None:
        rate = self.model.params["trust"]["experience_rate"]
        for order in self.basket:
            b = order.product.brand
            delta = rate * (order.satisfaction - 0.5)
            self.trust[b] = clip01(self.trust[b] + delta)
            self.trust_baseline[b] = clip01(self.trust_baseline[b] + delta)

    def hear_news(self, news_id: int, brand: int, drop: float) -> None:
        """Lose the share ``drop`` of trust in ``brand`` (some of it for good) and of beliefs in its products."""
        p = self.model.params["trust"]
        self.heard.add(news_id)
        self.model.heard_any.add(self)
        self.trust[brand] *= 1 - drop
        self.trust_baseline[brand] *= 1 - drop * p["scar"]
        for product in self.model.brands[brand].products:
            self.belief[product.index] *= 1 - drop * p["belief_hit"]

    def maybe_hear_scandal(self, news: News, news_id: int, reach: float) -> None:
        if self.random.random() < reach:
            self.hear_news(news_id, news.brand, news.severity)
            news.tellers.append(self)

    def tell_friends(self, news: News, news_id: int) -> None:
        p = self.model.params["trust"]
        for friend in self.friends:
            if news_id not in friend.heard and self.random.random() < p["news_share_prob"]:
                friend.hear_news(news_id, news.brand, news.severity * p["secondhand_factor"])
                news.new_tellers.append(friend)

    def recover_trust(self) -> None:
        rate = self.model.params["trust"]["recovery_rate"]
        for b, base in enumerate(self.trust_baseline):
            self.trust[b] += rate * (base - self.trust[b])


class InfluencerAgent(mesa.Agent):
    """An influencer: followers, tier, category, credibility, fee per post."""

    def __init__(self, model, name: str, tier: str, category: int, credibility: float):
        super().__init__(model)
        self.name, self.tier, self.category, self.credibility = name, tier, category, credibility
        self.followers: list[ConsumerAgent] = []
        self.fee_per_post = 0.0
        self.earnings = 0.0
        self.sponsors: list[int] = []

    def post(self, product: Product) -> None:
        """A sponsored post, seen by a share of the active followers."""
        m = self.model
        p = m.params["influencer_posts"]
        view_rate = p["view_rate"][self.tier]
        message = Message(product, p["persuasion"] * self.credibility, product.claimed_quality)
        views = 0
        for follower in self.followers:
            if follower.active and self.random.random() < view_rate:
                follower.receive(message)
                views += 1
        m.new["posts"] += 1
        m.new["post_views"] += views


class BrandAgent(mesa.Agent):
    """A brand: products, policy levers, budget and accounts."""

    def __init__(self, model, index: int, cfg: dict, products: list[Product]):
        super().__init__(model)
        self.index, self.name, self.products = index, cfg["name"], products
        self.policy: dict = cfg["policy"]
        self.marketing_budget: float | None = cfg["marketing_budget"]
        self.marketing_spent = 0.0
        self.ads_shown: dict = {}  # consumer -> impressions of this brand shown in the frequency window
        self.accounts = dict.fromkeys(BRAND_ACCOUNTS, 0.0)
        self.referral = self.policy["referral"]
        referral_on = model.enabled["referral"]
        self.has_referral = referral_on and (sum(self.referral["rates"][:1]) > 0 or self.referral["buyer_discount"] > 0)
        self.share_incentive = sum(self.referral["rates"][:1]) + self.referral["buyer_discount"] if referral_on else 0.0
        self.sponsored: list[InfluencerAgent] = []

    def affordable(self, amount: float) -> bool:
        return self.marketing_budget is None or self.marketing_spent + amount <= self.marketing_budget + 1e-9

    def profit(self) -> float:
        a = self.accounts
        return a["revenue"] - sum(a[k] for k in BRAND_ACCOUNTS[1:])

    def sell(self, product: Product, paid: float, discount: float) -> None:
        fee = self.model.take_rate * paid
        self.accounts["revenue"] += product.price
        self.accounts["discounts"] += discount
        self.accounts["platform_fees"] += fee
        self.accounts["cogs"] += product.cost
        self.model.platform_income += fee

    # -- 1 campaign
    def advertise(self) -> None:
        """Buy today's impressions; each lands on a consumer (targeted or at random) who may notice it.

        The k-th impression of this brand shown to an active consumer in the frequency window is noticed
        with probability attention * frequency_decay ** (k - 1); with a frequency cap, one that would exceed
        it goes to another consumer drawn at random (up to 3 draws; then it is not bought)."""
        m, rng = self.model, self.random
        pol, p = self.policy["ads"], m.params["ads"]
        consumers, products = m.consumers, self.products
        if (m.day - 1) % p["frequency_window"] == 0:
            self.ads_shown = {}  # consumer -> impressions of this brand shown this window
        if pol["reach_share"] is not None:  # each consumer gets one impression with this probability
            recipients = [c for c in consumers if rng.random() < pol["reach_share"]]
        else:  # rng.choice(consumers), impressions_per_day times
            recipients = [consumers[below(rng, len(consumers))] for _ in range(pol["impressions_per_day"])]
        if not recipients:
            return
        placed = []  # (consumer, product) of today's impressions, in order
        targeted = pol["targeting"] == "interest"
        for consumer in recipients:
            product = products[below(rng, len(products))]  # rng.choice(products)
            audience = m.ad_audience[product.category]
            if targeted and audience and rng.random() < pol["precision"]:
                consumer = audience[below(rng, len(audience))]  # the targeted impression lands in the audience
            placed.append([consumer, product])
        cap = pol["frequency_cap"]
        if cap is not None:  # impressions over the cap move to random consumers, in rounds
            for attempt in range(4):
                counts, over = dict(self.ads_shown), []
                for k, (consumer, _) in enumerate(placed):
                    if consumer.active:
                        if counts.get(consumer, 0) >= cap:
                            over.append(k)
                        else:
                            counts[consumer] = counts.get(consumer, 0) + 1
                if not over:
                    break
                if attempt == 3:
                    placed = [x for k, x in enumerate(placed) if k not in set(over)]
                    break
                for k in over:
                    placed[k][0] = self.random.choice(m.consumers)
        total = len(placed)
        cost = total * m.config["platform"]["ad_cost_per_mille"] / 1000.0
        if total == 0 or not self.affordable(cost):
            return
        self.accounts["ad_spend"] += cost
        self.marketing_spent += cost
        m.platform_income += cost
        m.new["impressions"] += total
        m.new["ad_spend"] += cost
        noticed: dict[Product, dict[ConsumerAgent, None]] = {product: {} for product in self.products}
        shown, attention, decay = self.ads_shown, p["attention"], p["frequency_decay"]
        for consumer, product in placed:
            if not consumer.active:
                continue
            k = shown.get(consumer, 0)
            shown[consumer] = k + 1
            if rng.random() < attention * decay ** k:
                noticed[product][consumer] = None  # one exposure per consumer and product a day
        for product, consumers in noticed.items():
            message = Message(product, p["credibility"], product.claimed_quality)
            for consumer in consumers:
                consumer.receive(message)

    def sponsor_posts(self) -> None:
        """Each sponsored influencer posts with probability posts_per_week / 7 (if the budget allows)."""
        pol = self.policy["influencer_posts"]
        for influencer in self.sponsored:
            if self.random.random() >= pol["posts_per_week"] / 7.0 or not self.affordable(influencer.fee_per_post):
                continue
            product = self.random.choice(self.products)
            self.accounts["influencer_fees"] += influencer.fee_per_post
            self.marketing_spent += influencer.fee_per_post
            influencer.earnings += influencer.fee_per_post
            self.model.new["influencer_fees"] += influencer.fee_per_post
            influencer.post(product)


# ---------------------------------------------------------------------------- model


class NaiveMarket(mesa.Model):
    """The market as one Mesa agent per consumer.

    Args:
        scenario: a resolved scenario (:func:`simcommerce.load_scenario`).
        seed: root seed (default: the scenario's).
    """

    def __init__(self, scenario: dict, seed: int | None = None):
        self.seed = int(scenario["seed"] if seed is None else seed)
        super().__init__(rng=self.seed)
        self.config = scenario
        self.params: dict = scenario["mechanisms"]
        self.enabled = {name: bool(p.get("enabled", True)) for name, p in self.params.items()}
        unknown = sorted(n for n, on in self.enabled.items() if on and n not in IMPLEMENTED)
        if unknown:
            warnings.warn(f"the naive reference model ignores these enabled mechanisms: {', '.join(unknown)}",
                          stacklevel=2)
        for name in IMPLEMENTED:
            self.enabled.setdefault(name, False)
        self.day = 0
        pop_cfg = scenario["population"]
        self.active_share = pop_cfg["daily_active_share"]
        self.take_rate = scenario["platform"]["take_rate"]
        self.platform_income = 0.0
        self.new = dict.fromkeys(FLOWS + MARKET_ONLY_FLOWS, 0.0)
        self.cum = dict.fromkeys(FLOWS, 0.0)
        self.buyers: list[ConsumerAgent] = []
        self.news: list[News] = []
        self.heard_any: set[ConsumerAgent] = set()

        self._build_products(scenario)
        self.brands_cfg = scenario["brands"]
        n = pop_cfg["consumers"]
        graph = build_friendship(scenario["network"]["friendship"], n, self.rng)
        pop = Population.generate(pop_cfg, [b["initial_trust"] for b in scenario["brands"]], len(self.categories),
                                  len(self.products), self.rng)
        self.consumers = [
            ConsumerAgent(self, interest, sensitivity, share, review, trust, platform, opt_out, belief)
            for interest, sensitivity, share, review, trust, platform, opt_out, belief in zip(
                pop.interest.tolist(), pop.price_sensitivity.tolist(), pop.share_propensity.tolist(),
                pop.review_propensity.tolist(), pop.trust_brand.tolist(), pop.trust_platform.tolist(),
                pop.opt_out.tolist(), pop.belief.tolist())
        ]
        for i, consumer in enumerate(self.consumers):
            consumer.friends = [self.consumers[k] for k in graph.neighbors(i).tolist()]
        self.brands = [BrandAgent(self, i, cfg, [p for p in self.products if p.brand == i])
                       for i, cfg in enumerate(scenario["brands"])]
        self._build_influencers(scenario, pop)
        self._build_campaigns()
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())

    # ------------------------------------------------------------ build

    def _build_products(self, sc: dict) -> None:
        self.categories: list[str] = []
        self.products: list[Product] = []
        for b, brand in enumerate(sc["brands"]):
            for p in brand["products"]:
                if p["category"] not in self.categories:
                    self.categories.append(p["category"])
                self.products.append(Product(len(self.products), b, p["name"], self.categories.index(p["category"]),
                                             p["price"], p["cost"], p["quality"], p["claimed_quality"]))
        self.products_by_category = [[p for p in self.products if p.category == c]
                                     for c in range(len(self.categories))]

    def _build_influencers(self, sc: dict, pop: Population) -> None:
        """Generated influencers per tier (random category, Beta credibility) plus named ones; follows."""
        cfg, follows_cfg = sc["influencers"], sc["network"]["follows"]
        mean = min(max(cfg["credibility_mean"], 1e-4), 1 - 1e-4)
        self.influencers: list[InfluencerAgent] = []
        for tier in TIERS:
            for k in range(cfg["counts"][tier]):
                category = self.random.randrange(len(self.categories))
                credibility = self.random.betavariate(mean * 10.0, (1 - mean) * 10.0)
                self.influencers.append(InfluencerAgent(self, f"{tier}-{k + 1}", tier, category, credibility))
        for named in cfg["named"]:
            category = self.categories.index(named["category"]) if named["category"] in self.categories else 0
            self.influencers.append(InfluencerAgent(self, named["name"], named["tier"], category,
                                                    named["credibility"]))
        n = len(self.consumers)
        alpha = follows_cfg["tail_exponent"]
        # follower counts within each tier's range, as the package draws them (tier order holds in every draw)
        tiers = [TIERS.index(inf.tier) for inf in self.influencers]
        counts = tier_follower_counts(follows_cfg["reach_share"], alpha, np.array(tiers, dtype=np.int64), n,
                                      np.array([self.random.random() for _ in tiers])).tolist()
        bias = follows_cfg["interest_bias"]
        weights = None
        if bias > 0 and self.influencers:
            weights = pop.interest[:, [inf.category for inf in self.influencers]].astype(float) ** bias
        indptr, indices = build_follows(counts, weights, n, self.rng)
        for i, inf in enumerate(self.influencers):
            inf.followers = [self.consumers[k] for k in indices[indptr[i]:indptr[i + 1]].tolist()]
            inf.fee_per_post = cfg["fee_per_1k_followers"] * len(inf.followers) / 1000.0

    def _build_campaigns(self) -> None:
        """Ad audiences (targetable consumers with above-median interest) and influencer sponsorships."""
        self.ad_audience = []
        for c in range(len(self.categories)):
            median = statistics.median(consumer.interest[c] for consumer in self.consumers)
            self.ad_audience.append([x for x in self.consumers if not x.opt_out and x.interest[c] >= median])
        if not self.enabled["influencer_posts"]:
            return
        for brand in self.brands:
            pol = brand.policy["influencer_posts"]
            cats = {p.category for p in brand.products}
            pool = [i for i in self.influencers if i.tier == pol["tier"]]
            own = [i for i in pool if i.category in cats]
            other = [i for i in pool if i.category not in cats]
            self.random.shuffle(own)
            self.random.shuffle(other)
            for inf in (own + other)[:pol["sponsored"]]:
                brand.sponsored.append(inf)
                inf.sponsors.append(brand.index)

    # ------------------------------------------------------------ run

    def step(self) -> None:
        """One day, stage by stage."""
        self.day = self.steps
        self.new = dict.fromkeys(self.new, 0.0)
        self.buyers = []
        consumers = self.agents_by_type[ConsumerAgent]
        brands = self.agents_by_type[BrandAgent]
        consumers.do("wake_up")
        # 1 campaign
        if self.enabled["ads"]:
            brands.do("advertise")
        if self.enabled["influencer_posts"]:
            brands.do("sponsor_posts")
        if self.enabled["buzz"]:
            consumers.do("hear_buzz")
        # 2 expose
        if self.enabled["exposure"]:
            consumers.do("read_feed")
        else:
            consumers.do(lambda a: a.inbox.clear())
        # 3 decide
        if self.enabled["decision"]:
            for product in self.products:
                product.update_shown_rating(self.params["decision"]["rating_prior"])
            consumers.shuffle_do("decide")
        buyers = AgentSet(self.buyers, random=self.random)
        # 4 transact
        buyers.shuffle_do("pay")
        # 5 experience
        if self.enabled["experience"]:
            buyers.shuffle_do("use_products")
        if self.enabled["reviews"]:
            buyers.shuffle_do("write_reviews")
        if self.enabled["word_of_mouth"]:
            buyers.shuffle_do("share")
        # 6 trust
        if self.enabled["trust"]:
            buyers.do("trust_from_experience")
            self.scheduled_events()
            self.spread_news()
            consumers.do("recover_trust")
        # 7 record
        for name in FLOWS:
            self.cum[name] += self.new[name]
        self.datacollector.collect(self)

    def scheduled_events(self) -> None:
        p = self.params["trust"]
        consumers = self.agents_by_type[ConsumerAgent]
        brand_index = {b.name: b.index for b in self.brands}
        influencers = {i.name: i for i in self.influencers}
        for ev in self.config["events"]:
            if ev["day"] != self.day:
                continue
            if ev["type"] == "quality_scandal":
                news = News(brand_index[ev["brand"]], ev["severity"], self.day)
                self.news.append(news)
                consumers.do("maybe_hear_scandal", news, len(self.news) - 1, ev["reach"])
            elif ev["type"] == "influencer_scandal":
                inf = influencers[ev["influencer"]]
                inf.credibility *= 1 - ev["severity"]
                fans = [f for f in inf.followers if self.random.random() < ev["reach"]]
                for sponsor in inf.sponsors:
                    for fan in fans:
                        fan.hear_news(-1, sponsor, ev["severity"] * p["secondhand_factor"])

    def spread_news(self) -> None:
        """For ``news_days`` after a scandal, those who heard yesterday tell their friends."""
        for news_id, news in enumerate(self.news):
            if self.day == news.start or self.day > news.start + self.params["trust"]["news_days"]:
                continue
            news.new_tellers = []
            AgentSet(news.tellers, random=self.random).shuffle_do("tell_friends", news, news_id)
            news.tellers = news.new_tellers

    def run(self, days: int | None = None) -> None:
        for _ in range(self.config["steps"] if days is None else days):
            self.step()

    # ------------------------------------------------------------ record

    def _reporters(self) -> dict:
        rep = {
            "day": lambda m: m.day,
            "n_aware": lambda m: sum(1 for c in m.consumers if any(c.aware)),
            "n_customers": lambda m: sum(1 for c in m.consumers if sum(c.orders_by_brand) > 0),
            "n_repeat_customers": lambda m: sum(1 for c in m.consumers if sum(c.orders_by_brand) > 1),
            "n_considered": lambda m: sum(1 for c in m.consumers if any(c.considered)),
            "n_active": lambda m: sum(1 for c in m.consumers if c.active),
            "n_heard_news": lambda m: len(m.heard_any),
            "mean_trust": NaiveMarket.mean_trust,
            "n_reviews": lambda m: sum(sum(p.ratings) for p in m.products),
            "mean_rating": NaiveMarket.mean_rating,
            "profit": lambda m: sum(b.profit() for b in m.brands),
            "money_imbalance": NaiveMarket.money_imbalance,
            "new_in_market": lambda m: m.new["in_market"],
        }
        for name in FLOWS:
            rep[f"new_{name}"] = lambda m, name=name: m.new[name]
            rep[f"cum_{name}"] = lambda m, name=name: m.cum[name]
        return rep

    def mean_trust(self) -> float:
        """Mean over brands of the consumers' mean trust in the brand."""
        n_brands = len(self.brands)
        totals = [0.0] * n_brands
        for consumer in self.consumers:
            for b, t in enumerate(consumer.trust):
                totals[b] += t
        return sum(totals) / len(self.consumers) / n_brands

    def mean_rating(self) -> float:
        counts = [sum(p.ratings[k] for p in self.products) for k in range(5)]
        n = sum(counts)
        return sum((k + 1) * c for k, c in enumerate(counts)) / n if n else 0.0

    def money_imbalance(self) -> float:
        paid = sum(c.spent - c.refunded for c in self.consumers)
        received = (sum(b.profit() + b.accounts["cogs"] for b in self.brands) + self.platform_income
                    + sum(c.earned for c in self.consumers) + sum(i.earnings for i in self.influencers))
        return abs(paid - received)

    def frame(self) -> pd.DataFrame:
        """The market time series: one row per day."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df["new_profit"] = df["profit"].diff().fillna(df["profit"])
        return df


if __name__ == "__main__":  # a quick look: python benchmarks/naive_mesa.py [scenario.yaml] [consumers] [days]
    import sys
    import time

    from simcommerce import load_scenario

    path = sys.argv[1] if len(sys.argv) > 1 else "scenarios/baseline.yaml"
    overrides = {}
    if len(sys.argv) > 2:
        overrides["population.consumers"] = int(sys.argv[2])
    if len(sys.argv) > 3:
        overrides["steps"] = int(sys.argv[3])
    t0 = time.perf_counter()
    model = NaiveMarket(load_scenario(path, overrides=overrides))
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    print(model.frame().iloc[-1].to_string())
    print(f"build {t1 - t0:.2f} s, run {t2 - t1:.2f} s ({(t2 - t1) / model.day * 1000:.1f} ms/day)")
