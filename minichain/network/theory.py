"""What theory predicts, to set beside what the simulation measures.

Double spending (Bitcoin whitepaper, section 11). A merchant ships after `z` confirmations; an
attacker with a share `q` of the mining power (the honest miners have p = 1 − q) mines a secret
branch in which the coins went back to himself, and wins if that branch ever becomes the
heavier one. Once he is `d` blocks short of taking the lead, his chance of ever taking it is
(q/p)^d — the gambler's ruin (`catch_up_probability`).

- `attacker_success_probability(q, z)` is the whitepaper's formula, transcribed from its C code.
  It assumes the honest miners took exactly the expected time to find the z blocks, so that
  the attacker's progress meanwhile is Poisson with mean z·q/p.
- `attacker_success_probability_exact(q, z)` drops that assumption: both sides find blocks as
  Poisson processes, so the attacker's progress while the honest miners find z blocks is
  negative binomial. This is Meni Rosenfeld's formula ("Analysis of hashrate-based double
  spending", 2014, eq. 1; proved by Grunspan and Pérez-Marco, "Double spend races", 2017).
  It is larger than the whitepaper's for large q: the whitepaper's table understates the risk.

Both count the way Rosenfeld does: the attacker has secretly mined one block (holding the
conflicting payment) before he pays the merchant, and must then build a strictly longer branch,
because nodes keep the branch they saw first on a tie. This is the counting that yields the
whitepaper's table; `minichain.network.attacks` simulates exactly this race.

Stale blocks. While a block travels for `delay` seconds to the rest of the mining power, which
finds blocks every `interval` seconds on average, the rest finds a competing block with
probability 1 − e^(−delay/interval) (Rizun, "A transaction fee market exists without a block
size limit", 2015; Decker and Wattenhofer, "Information propagation in the Bitcoin network",
2013). That is `expected_stale_rate`: the share of a small miner's blocks that end up stale.
"""

from __future__ import annotations

import math
from numbers import Real

from minichain.network.errors import (
    InvalidConfirmations,
    InvalidLatency,
    InvalidRisk,
    InvalidShare,
    MajorityAttacker,
)

__all__ = [
    "attacker_success_probability",
    "attacker_success_probability_exact",
    "catch_up_probability",
    "confirmations_needed",
    "expected_stale_rate",
]


def _check(q: object, z: object) -> tuple[float, int]:
    if not isinstance(q, Real) or isinstance(q, bool) or not 0 <= q <= 1:
        raise InvalidShare(q)
    if not isinstance(z, int) or isinstance(z, bool) or z < 0:
        raise InvalidConfirmations(z)
    return float(q), z


def catch_up_probability(q: float, deficit: int) -> float:
    """The chance that an attacker `deficit` blocks behind ever draws level: (q/p)^deficit, or 1
    if he has at least half of the power (whitepaper, section 11, the gambler's ruin)."""
    q, deficit = _check(q, deficit)
    p = 1.0 - q
    return 1.0 if q >= p else (q / p) ** deficit


def attacker_success_probability(q: float, z: int) -> float:
    """The whitepaper's probability that an attacker with share `q` reverses a payment after the
    merchant waited for `z` confirmations (Nakamoto 2008, section 11).

    The C code of the paper, step for step, with the Poisson terms computed through logarithms
    so that very large z do not underflow:

        lambda = z * (q / p); sum = 1
        for k in 0..z: sum -= poisson(k; lambda) * (1 - (q/p)^(z-k))

    With q ≥ p the attacker always catches up and the result is 1, as the paper says.
    """
    q, z = _check(q, z)
    p = 1.0 - q
    if q >= p:
        return 1.0
    if q == 0.0:
        return 1.0 if z == 0 else 0.0
    lam = z * (q / p)
    total = 1.0
    for k in range(z + 1):
        poisson = math.exp(-lam + k * math.log(lam) - math.lgamma(k + 1)) if lam else float(k == 0)
        total -= poisson * (1.0 - (q / p) ** (z - k))
    return min(1.0, max(0.0, total))


def attacker_success_probability_exact(q: float, z: int) -> float:
    """The same probability when the honest miners, like the attacker, find blocks at random
    (a Poisson process) instead of taking exactly the expected time (Rosenfeld 2014):

        1 − Σ_{m=0}^{z} C(m+z−1, m) (p^z q^m − p^m q^z)

    The attacker's progress while the honest miners find z blocks is then negative binomial:
    m blocks with probability C(m+z−1, m) p^z q^m.
    """
    q, z = _check(q, z)
    p = 1.0 - q
    if q >= p or z == 0:
        return 1.0
    if q == 0.0:
        return 0.0
    total = 1.0
    for m in range(z + 1):
        log_ways = math.lgamma(m + z) - math.lgamma(m + 1) - math.lgamma(z)
        total -= math.exp(log_ways + z * math.log(p) + m * math.log(q)) \
            - math.exp(log_ways + m * math.log(p) + z * math.log(q))
    return min(1.0, max(0.0, total))


def confirmations_needed(q: float, risk: float = 0.001, *, exact: bool = False) -> int:
    """The fewest confirmations z for which the attacker's chance is below `risk` — the
    whitepaper's closing table ("solving for P less than 0.1 %": q = 0.10 needs z = 5, q = 0.45
    needs z = 340). `exact=True` uses Rosenfeld's formula, which asks for more."""
    q, _ = _check(q, 0)
    if not isinstance(risk, Real) or isinstance(risk, bool) or not 0 < risk <= 1:
        raise InvalidRisk(risk)
    if q >= 0.5:
        raise MajorityAttacker(q)
    chance = attacker_success_probability_exact if exact else attacker_success_probability
    z = 0
    while chance(q, z) >= risk:  # the chance falls geometrically in z, so this ends
        z += 1
    return z


def expected_stale_rate(delay: float, interval: float) -> float:
    """1 − e^(−delay/interval): the chance that the rest of the network finds a competing block
    while a block takes `delay` seconds to reach it, blocks being found every `interval`
    seconds on average (Rizun 2015; Decker and Wattenhofer 2013)."""
    for value in (delay, interval):
        if not isinstance(value, Real) or value < 0:
            raise InvalidLatency(value)
    if interval == 0:
        raise InvalidLatency(interval)
    return 1.0 - math.exp(-delay / interval)
