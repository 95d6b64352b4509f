"""Policy presets: the business models of the source article, as a brand's overrides.

Each preset is a starting point for one brand (its levers, plus a market rule where the model needs one
switched on); the strategist edits it like any policy. The numbers are the shipped scenarios' (e.g.
``livestream.yaml``, ``group_buying.yaml``, ``distribution.yaml``) where one exists.
"""

from __future__ import annotations

# name -> (what it is, overrides; "brand." keys are under brands.<brand>., others are market keys)
PRESETS: dict[str, tuple[str, dict]] = {
    "distribution": ("分销 distribution: buyers earn 10% on their friends' orders and 3% one level further; "
                     "friends get 5% off", {"brand.policy.referral.rates": [0.1, 0.03],
                                            "brand.policy.referral.buyer_discount": 0.05}),
    "group_buying": ("拼团 group buying: 20% off when 2 others join within 48 hours",
                     {"mechanisms.group_buying.enabled": True, "brand.policy.group_buying.discount": 0.2,
                      "brand.policy.group_buying.group_size": 2, "brand.policy.group_buying.window_hours": 48}),
    "live_stream": ("直播带货 live stream: 2 sessions a week with a macro host, 30% off, ¥300 slot fee and 20% "
                    "commission", {"brand.policy.livestream.sessions_per_week": 2,
                                   "brand.policy.livestream.host_tier": "macro",
                                   "brand.policy.livestream.discount": 0.3, "brand.policy.livestream.slot_fee": 300,
                                   "brand.policy.livestream.commission": 0.2}),
    "social_mall": ("社交商城 social mall: the in-app store, 15% to the member who shared, 5% off for the friend",
                    {"brand.policy.storefront.storefront": "mall", "brand.policy.referral.rates": [0.15],
                     "brand.policy.referral.buyer_discount": 0.05}),
    "content_seeding": ("种草 content seeding (Xiaohongshu-style): 10 nano creators post twice a week, free "
                        "samples to the best-connected 1% of consumers",
                        {"brand.policy.influencer_posts.sponsored": 10, "brand.policy.influencer_posts.tier": "nano",
                         "brand.policy.influencer_posts.posts_per_week": 2, "brand.policy.seeding.count": "1%",
                         "brand.policy.seeding.strategy": "degree"}),
    "share_for_rebate": ("拼多多 share-for-rebate (Pinduoduo-style): the friend gets 10% off, the sharer 5% back, "
                         "and groups of 2 at 15% off", {"brand.policy.referral.rates": [0.05],
                                                        "brand.policy.referral.buyer_discount": 0.1,
                                                        "mechanisms.group_buying.enabled": True,
                                                        "brand.policy.group_buying.discount": 0.15,
                                                        "brand.policy.group_buying.group_size": 1}),
}


def overrides(preset: str, brand: str, consumers: int) -> dict:
    """The preset's dotted overrides for ``brand`` in a market of ``consumers`` ("1%" -> a count)."""
    out = {}
    for key, value in PRESETS[preset][1].items():
        if isinstance(value, str) and value.endswith("%"):
            value = max(1, round(consumers * float(value[:-1]) / 100))
        out[key.replace("brand.", f"brands.{brand}.", 1) if key.startswith("brand.") else key] = value
    return out
