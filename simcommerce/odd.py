"""The parameter tables of docs/odd.md: every scenario parameter with default, unit, meaning and
source or rationale. ``simcommerce schema --odd`` prints the block; a test keeps docs/odd.md current.
"""

from __future__ import annotations

from .scenario import scenario_spec
from .spec import walk

ASSUMPTION = "assumption (no published value); vary it in a sensitivity analysis"

# Source or rationale by key path; a key ending in "." covers every path under it.
RATIONALE = {
    "name": "label only", "description": "label only", "currency": "label only",
    "seed": "reproducibility (DESIGN.md §3)",
    "steps": "one step = one day",
    "population.consumers": "scale of the simulated market (10²–10⁷)",
    "population.daily_active_share": "platforms report daily/monthly active ratios of roughly 0.5–0.7; assumption",
    "population.interest_concentration": ASSUMPTION,
    "population.mean_interest": ASSUMPTION,
    "population.price_sensitivity_sd": "heterogeneous price response, as in mixed logit demand; assumption",
    "population.share_propensity": "calibrated so that about a third of buyers forward with a 10% incentive "
                                   "(Leskovec, Adamic & Huberman 2007; see docs/validation.md)",
    "population.review_propensity": "only a minority of buyers review (Hu, Pavlou & Zhang 2009); assumption",
    "population.initial_platform_trust": ASSUMPTION,
    "population.opt_out_share": "share refusing personalised ads; assumption",
    "network.friendship.model": "Holme & Kim (2002): power-law degrees with clustering, as in social networks",
    "network.friendship.mean_degree": "assumption; active ties in messaging apps are of this order",
    "network.friendship.triangle_prob": "Holme & Kim (2002) parameter; 0.5 gives clustering ≈ 0.2–0.3",
    "network.friendship.rewire_prob": "Watts & Strogatz (1998); 0.1 is in the small-world regime",
    "network.friendship.communities": "planted partition model; assumption",
    "network.friendship.mixing": "planted partition model; assumption",
    "network.friendship.path": "user data",
    "network.follows.": "tier cut-offs 10k/100k/500k/1M followers (REFERENCES.md) rescaled to the simulated "
                        "population; heavy tail within tier; assumption",
    "influencers.counts.": "tier mix; assumption (many nano, few mega)",
    "influencers.named[].": "user data",
    "influencers.credibility_mean": ASSUMPTION,
    "influencers.fee_per_1k_followers": "rate cards of ¥50–100 per 1,000 followers per post for micro to macro "
                                        "creators (Xiaohongshu/Douyin agency price lists, trade press; weak "
                                        "source); the upper end, paid per simulated follower",
    "brands[].name": "user data", "brands[].products[].": "user data (the brand's positioning)",
    "brands[].marketing_budget": "user data",
    "brands[].initial_trust": ASSUMPTION,
    "brands[].policy.": "strategist's lever (DESIGN.md §2)",
    "brands[].policy.referral.rates": "lever; 0.10 in Leskovec et al. (2007)",
    "brands[].policy.referral.buyer_discount": "lever; 0.10 in Leskovec et al. (2007)",
    "brands[].policy.referral.window_days": "Leskovec et al. (2007) count a success within a week",
    "mechanisms.referral.count_organiser_level": "China: 2010 filing standard and 2013 joint opinion count the "
                                               "organiser's own level",
    "mechanisms.referral.illegal_min_levels": "China's criminal threshold for pyramid selling: ≥ 3 levels",
    "mechanisms.referral.illegal_min_participants": "China's criminal threshold for pyramid selling: ≥ 30 "
                                                    "participants",
    "mechanisms.referral.ban_entry_fees": "State Council Decree 444 (2005) bans entry fees",
    "mechanisms.referral.ban_headcount_pay": "State Council Decree 444 (2005) bans head-count pay",
    "mechanisms.referral.ban_downline_pay": "State Council Decree 444 (2005), Art. 7(3), bans pay computed on a "
                                            "downline's sales (团队计酬) at any depth (REFERENCES.md); level 1 is "
                                            "the sender's own sale (Direct Selling Regulation, Decree 443, Art. 24: "
                                            "pay on one's own sales only)",
    "brands[].policy.seeding.strategy": "Kempe, Kleinberg & Tardos (2003); Chen, Wang & Yang (2009)",
    "mechanisms.storefront.external_payment_fee": "standard merchant rate of WeChat Pay and Alipay, 0.6% of the "
                                                   "amount (public fee schedules); assumption for other markets",
    "mechanisms.false_advertising.tolerance": "assumption: puffery (mild exaggeration) goes unpunished; vary it",
    "mechanisms.false_advertising.detection_rate": ASSUMPTION + " (no published detection rate; docs/model.md "
                                                   "sweeps it)",
    "mechanisms.false_advertising.fine_multiple": "China's Advertising Law (2015, rev. 2021) Art. 55: 3–5 × the "
                                                  "advertising cost (5–10 × for repeat or serious cases); the "
                                                  "lower bound (from the law's text; not in REFERENCES.md)",
    "mechanisms.false_advertising.news_severity": "assumption, below the quality_scandal default (0.5)",
    "mechanisms.false_advertising.news_reach": "assumption, as the scheduled events' default reach (0.3)",
    "mechanisms.false_advertising.correct_claims": "Advertising Law Art. 55: the regulator orders the advertiser "
                                                   "to stop publishing the advertisement",
    "mechanisms.stickiness.peer_effect": "peers raise one another's activity, which feeds back (the social "
                                         "multiplier, Glaeser, Sacerdote & Scheinkman 2003; local network effects, "
                                         "Sundararajan 2007); magnitude an assumption",
    "mechanisms.stickiness.size_effect": "network externality: a user's value rises with the number of users "
                                         "(Katz & Shapiro 1985), with diminishing returns (value per user ∝ log n "
                                         "rather than n, Briscoe, Odlyzko & Tilly 2006); magnitude an assumption",
    "mechanisms.stickiness.half_users": "assumption, in simulated consumers: puts 2,500–20,000-consumer markets on "
                                        "the rising part of the curve; vary it",
    "mechanisms.stickiness.habit_effect": "state dependence: past purchases raise the chance of coming back "
                                          "(Guadagni & Little 1983's exponentially smoothed loyalty); magnitude an "
                                          "assumption",
    "mechanisms.stickiness.habit_half_life": "assumption: about one purchase cycle (decision.cooldown_days 30)",
    "mechanisms.stickiness.window_days": "weekly active users (WAU), a reporting convention of platforms",
    "platform.take_rate": "typical marketplace commission of a few percent; assumption",
    "platform.ad_cost_per_mille": "social-media feed CPM in China of roughly ¥20–100 (Douyin/Ocean Engine and "
                                  "Tencent Moments rate cards, trade press; weak source); ¥40 puts every shipped "
                                  "brand's marketing at 5–15% of revenue, the range of the Gartner CMO Spend "
                                  "Survey (7.7% of revenue 2024, 9.1% 2023, ~11% before 2020)",
    "mechanisms.ads.attention": "ad click-through and noticed-impression rates of a few percent (feed-ad CTR "
                                "~1–3%, trade press; weak source); 0.04 assumed",
    "mechanisms.ads.frequency_window": "frequency caps are set per day or week on ad platforms; a week assumed",
    "mechanisms.ads.frequency_decay": "wear-out of repeated exposures (Pechmann & Stewart 1988; effective "
                                      "frequency ~3, Krugman 1972 / Naples 1979); 0.7 per repeat assumed",
    "mechanisms.trust.breach_opt_out": "after the Cambridge Analytica breach 54% of US Facebook users adjusted "
                                       "their privacy settings within a year (Pew Research Center 2018); 0.3 per "
                                       "unit severity assumed (15% of first-hand hearers at severity 0.5)",
    "mechanisms.": ASSUMPTION,
    "mechanisms.buzz.talk_rate": "imitation q of Bass (1969); mean q = 0.38 per year (Sultan, Farley & Lehmann "
                                 "1990) — per day divide by the days per period",
    "mechanisms.decision.": "logit utility coefficients: assumptions giving conversion of tens of percent among "
                            "aware in-market consumers; calibrate per market",
    "mechanisms.decision.beta_rating": "ratings move sales (Chevalier & Mayzlin 2006; Luca 2016: +1 star ⇒ "
                                       "+5–9% revenue); magnitude an assumption",
    "mechanisms.experience.disconfirmation_weight": "expectation–disconfirmation (Oliver 1980); weight assumed",
    "mechanisms.experience.failure_share": "produces the 1-star mode of J-shaped ratings (Hu, Pavlou & Zhang "
                                           "2009); assumption",
    "mechanisms.experience.return_prob": "return rates of 30–50% reported for live commerce (trade press, weak "
                                         "source); lower for ordinary purchases; assumption",
    "mechanisms.reviews.": "under-reporting of moderate experiences (Hu, Pavlou & Zhang 2009); values assumed",
    "mechanisms.influencer_posts.view_rate.": "falls with tier like engagement: nano ~6%, 1k–10k ~2.2%, "
                                              "larger ~1.5% (vendor data, REFERENCES.md); levels assumed",
    "mechanisms.word_of_mouth.reach": "a share is a post friends can see, so recommendation volume follows the "
                                      "degree: heavy-tailed like Leskovec et al.'s (2007) super-recommenders; "
                                      "random_friends (direct messages) gives every sharer the same volume",
    "mechanisms.word_of_mouth.per_friend_prob": "1: a post reaches every friend (who reads it is `attention`); "
                                                "the independent cascade's edge probability is "
                                                "per_friend_prob × attention (Kempe et al. 2003: 1% and 10% studied)",
    "mechanisms.word_of_mouth.attention": "calibrated with `simcommerce calibrate experiments/calibration/"
                                          "defaults.yaml` to 0.93% referral purchases per recommendation and "
                                          "0.33 shares per order (Leskovec et al. 2007): 0.158 (95% 0.082–0.303), so 0.16",
    "mechanisms.word_of_mouth.share_prob": "calibrated with attention (experiments/calibration/defaults.yaml): "
                                           "0.984 (95% 0.828–1), so 1",
    "mechanisms.word_of_mouth.friends_per_share": "random_friends: Leskovec et al. (2007): recommendations go to "
                                                  "several friends at once; assumption",
    "mechanisms.word_of_mouth.incentive_sensitivity": "referral incentives raise sharing (Schmitt, Skiera & "
                                                      "Van den Bulte 2011); magnitude assumed",
    "mechanisms.trust.recovery_rate": "slow recovery after a scandal (Cleeren, Dekimpe & Helsen 2008); "
                                      "0.01/day ≈ 70-day half-life, assumption",
    "mechanisms.trust.scar": "loyalty's buffer decays, part of the damage lasts (Cleeren et al. 2008; Van Heerde, "
                             "Helsen & Dekimpe 2007); 0.4 puts the strong brand's sales a year after the severe "
                             "scandal of validation/scandal.yaml at 0.66 of the no-scandal run (Perrier ~0.6)",
    "mechanisms.seeding.greedy_samples": "Monte Carlo samples for greedy (Kempe et al. 2003 used 10,000); "
                                         "trade-off of speed and accuracy",
    "mechanisms.group_buying.fallback_prob": "Pinduoduo shows \"buy alone\" (单独购买) at the list price next "
                                             "to every group deal; no published share of failed initiators who "
                                             "use it, 0.5 assumed (0 = no fallback)",
    "mechanisms.group_buying.stranger_join_prob": "Pinduoduo lists open groups with their sign-up count on the "
                                                  "product page; join rate assumed, vary it",
    "events[].": "scenario input",
}


def rationale(path: str) -> str:
    """The source or rationale of a parameter (longest matching key)."""
    if path in RATIONALE:
        return RATIONALE[path]
    if path.endswith(".enabled"):
        return "switch"
    best = max((k for k in RATIONALE if k.endswith(".") and path.startswith(k)), key=len, default=None)
    return RATIONALE[best] if best else ASSUMPTION


def _row(path: str, p) -> str:
    default = "required" if p.required else ("null" if p.default is None else f"`{p.default}`")
    return f"| `{path}` | {default} | {p.unit or '–'} | {p.help} | {rationale(path)} |"


HEADER = ["| parameter | default | unit | meaning | source or rationale |", "|---|---|---|---|---|"]


def generated_block() -> str:
    """ODD §7 (submodels: each mechanism's description and parameters) and the other parameters."""
    import inspect

    from .mechanisms.base import REGISTRY
    from .plan import ordered

    params = list(walk(scenario_spec()))
    out = ["### 7.1 Mechanisms, in stage order", ""]
    for name in [c.name for c in ordered(REGISTRY)]:
        cls = REGISTRY[name]
        mine = [(path, p) for path, p in params
                if path.startswith(f"mechanisms.{name}.") or path.startswith(f"brands[].policy.{name}.")]
        default = "on" if cls.enabled_by_default else "off"
        out += [f"#### `{name}` — stage *{cls.stage}*, {default} by default", "", inspect.cleandoc(cls.__doc__), "",
                *HEADER, *(_row(path, p) for path, p in mine), ""]
        if cls.metrics:
            out += ["Metrics: " + "; ".join(f"`{m}` — {d}" for m, d in cls.metrics.items()) + ".", ""]
    out += ["### 7.2 Population, networks, influencers, brands, platform, events", ""]
    groups: dict[str, list[str]] = {}
    for path, p in params:
        if path.startswith("mechanisms.") or path.startswith("brands[].policy."):
            continue
        groups.setdefault(path.split(".")[0].rstrip("[]"), []).append(_row(path, p))
    for group, rows in groups.items():
        out += [f"#### `{group}`", "", *HEADER, *rows, ""]
    return "\n".join(out)


START, END = "<!-- generated: simcommerce docs -->", "<!-- end generated -->"


def render(current: str) -> str:
    """``current`` (docs/odd.md) with its generated block replaced by the code's."""
    head, rest = current.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{generated_block()}\n{END}{tail}"
