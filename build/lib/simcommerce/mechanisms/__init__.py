"""Mechanisms: one behavioural process per module, registered by name (see base.py)."""

from . import (  # noqa: F401  (importing a module registers its mechanism)
    ads,
    buzz,
    checkout,
    decision,
    experience,
    exposure,
    fake_reviews,
    false_advertising,
    group_buying,
    influencer_posts,
    livestream,
    referral,
    reviews,
    seeding,
    stickiness,
    storefront,
    trust,
    word_of_mouth,
)
from .base import REGISTRY, STAGES, Mechanism, register  # noqa: F401
