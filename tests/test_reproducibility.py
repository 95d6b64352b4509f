"""Same scenario + seed => identical tables; each mechanism draws from its own stream, and a consumer's
counter-based draw depends only on (seed, mechanism, day, slot, consumer)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import run_market, scenario
from simcommerce import Market


@pytest.mark.slow
def test_same_seed_identical_different_seed_differs():
    sc = scenario("baseline", **{"population.consumers": 2000, "steps": 40})
    a, ab, _ = run_market(sc, 3)
    b, bb, _ = run_market(sc, 3)
    c, _, _ = run_market(sc, 4)
    assert a.equals(b) and ab.equals(bb)
    assert not a.equals(c)


def test_streams_depend_only_on_seed_and_name():
    sc = scenario("baseline", **{"population.consumers": 500, "steps": 5})
    m1, m2 = Market(sc, seed=9), Market(sc, seed=9)
    assert np.array_equal(m1.stream("decision").random(5), m2.stream("decision").random(5))
    assert not np.array_equal(m1.stream("decision").random(5), m1.stream("experience").random(5))
    assert not np.array_equal(Market(sc, seed=10).stream("decision").random(5), m1.stream("decision").random(5))


def _recorded_run(sc: dict, seed: int):
    """Run ``sc``, recording every counter-based draw each mechanism makes: ``{name: {(day, slot, id): u}}``.

    The recorder wraps each mechanism's own :meth:`~simcommerce.mechanisms.base.Mechanism.uniforms` (the
    real one is called and its result returned unchanged), so what is compared is what the run used."""
    m = Market(sc, seed=seed)
    drawn: dict[str, dict[tuple[int, int, int], float]] = {}
    for mech in m.mechanisms:
        def spy(market, ids, slot=0, _real=mech.uniforms, _seen=drawn.setdefault(mech.name, {})):
            u = _real(market, ids, slot)
            _seen.update(zip(((market.day, slot, int(i)) for i in np.asarray(ids).ravel()), u.ravel().tolist()))
            return u
        mech.uniforms = spy
    m.run()
    return m, drawn


@pytest.mark.slow
def test_switching_a_mechanism_leaves_other_streams_unchanged():
    """Turning influencer posts off changes what happens, not the random numbers the other mechanisms draw: the same
    consumer gets the same counter-based uniform on the same day and slot in both runs, and the stream
    drawn from every day in full (the decision's intent draw) ends in the same state."""
    on = scenario("baseline", **{"population.consumers": 2000, "steps": 30})
    off = scenario("baseline", **{"population.consumers": 2000, "steps": 30,
                                  "mechanisms.influencer_posts.enabled": False})  # ads off: too few buyers left
    m_on, d_on = _recorded_run(on, 5)
    m_off, d_off = _recorded_run(off, 5)
    assert m_on.population.aware.sum() != m_off.population.aware.sum()  # outcomes differ
    for name in ("decision", "storefront", "experience", "reviews", "word_of_mouth"):  # counter-based draws
        shared = d_on[name].keys() & d_off[name].keys()
        # both runs drew for many of the same (day, slot, consumer), but not for exactly the same ones
        assert len(shared) >= 50 and d_on[name].keys() != d_off[name].keys(), (name, len(shared))
        assert all(d_on[name][k] == d_off[name][k] for k in shared), name
    for name in ("decision",):  # N-sized daily draws from the mechanism's numpy stream
        s_on = next(x for x in m_on.mechanisms if x.name == name).rng.bit_generator.state
        s_off = next(x for x in m_off.mechanisms if x.name == name).rng.bit_generator.state
        assert s_on == s_off, name
        assert s_on != m_on.stream(name).bit_generator.state, name  # drawn from: not the fresh stream's state


def test_counter_based_draws_depend_on_seed_mechanism_day_slot_and_consumer_only():
    """A consumer's draw is a function of (root seed, mechanism, day, slot, consumer id): not of which other
    consumers draw with it, nor of their order; changing any one of the five changes it."""
    sc = scenario("baseline", **{"population.consumers": 500, "steps": 5})
    m, m2, other_seed = Market(sc, seed=9), Market(sc, seed=9), Market(sc, seed=10)
    dec = {x.name: x for x in m.mechanisms}["decision"]
    dec2 = {x.name: x for x in m2.mechanisms}["decision"]
    exp = {x.name: x for x in m.mechanisms}["experience"]
    ids = np.arange(500)
    m.day = m2.day = other_seed.day = 3
    full = dec.uniforms(m, ids, 1)
    some = np.array([400, 7, 7, 123])
    assert np.array_equal(dec.uniforms(m, some, 1), full[some])  # any subset, any order, repeats alike
    assert np.array_equal(dec2.uniforms(m2, ids, 1), full)  # another market of the same seed
    others = [exp.uniforms(m, ids, 1), dec.uniforms(m, ids, 2),
              {x.name: x for x in other_seed.mechanisms}["decision"].uniforms(other_seed, ids, 1)]
    m.day = 4
    others.append(dec.uniforms(m, ids, 1))
    for u in others:  # another mechanism, slot, root seed, day
        assert np.mean(u == full) < 0.01
    assert np.mean(full[1:] == full[:-1]) < 0.01  # another consumer
    assert 0.45 < full.mean() < 0.55 and full.min() >= 0 and full.max() < 1


def test_population_and_network_do_not_depend_on_mechanisms():
    on = scenario("baseline", **{"population.consumers": 1000, "steps": 5})
    off = scenario("baseline", **{"population.consumers": 1000, "steps": 5, "mechanisms.word_of_mouth.enabled": False})
    a, b = Market(on, seed=2), Market(off, seed=2)
    assert np.array_equal(a.friends.indices, b.friends.indices)
    assert np.array_equal(a.population.interest, b.population.interest)
    assert np.array_equal(a.follows.indices, b.follows.indices)
