"""Generate experiments/calibration/observed.csv: one run of market.yaml at the TRUE values below, with a
seed (999) that the fit never uses. The fit (fit.yaml) starts from wide bounds and should recover them.

    .venv/bin/python experiments/calibration/make_observed.py
"""

from pathlib import Path

from simcommerce.runner import run_once
from simcommerce.scenario import load_scenario

HERE = Path(__file__).resolve().parent
TRUE = {  # the values behind observed.csv (the defaults would be 0.02, 0.3, 0.04, 0.1, 1.0)
    "mechanisms.decision.intent_rate": 0.03,
    "population.share_propensity": 0.45,
    "mechanisms.ads.attention": 0.025,
    "mechanisms.reviews.base_prob": 0.15,
    "mechanisms.decision.beta_rating": 1.0,
}
COLUMNS = ["new_orders", "new_shares", "new_referral_orders", "new_ads_noticed", "n_reviews"]
SEED = 999


def main() -> None:
    scenario = load_scenario(HERE / "market.yaml", overrides=TRUE)
    market = run_once(scenario, 0, SEED).market
    market[["day", *COLUMNS]].astype({c: int for c in ["day", *COLUMNS]}).to_csv(HERE / "observed.csv", index=False)
    print(f"wrote {HERE / 'observed.csv'}: {len(market)} days, seed {SEED}, {TRUE}")


if __name__ == "__main__":
    main()
