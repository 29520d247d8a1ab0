"""A simulated peer-to-peer network of full minichain nodes (lesson 09: forks, partitions,
double spends — how many confirmations before we ship?).

    >>> from minichain.network import Network, attacker_success_probability
    >>> net = Network.proof_of_work(30, miners=5, seed=7)
    >>> net.run(blocks=10)
    >>> net.partition(range(15))          # the network splits during the sale...
    >>> net.run(seconds=3_600)
    >>> net.heal()                        # ...and heals
    >>> net.run_until_converged(timeout=3_600)
    True
    >>> round(attacker_success_probability(0.1, 6), 7)
    0.0002428

The modules, one idea each:

- `scheduler`: discrete events in simulated time, deterministic for a given seed.
- `events`: the event log every metric is computed from.
- `latency`: fixed delays, per-link delays, SimBlock's regions.
- `topology`: Bitcoin-like random peers (any networkx graph works).
- `node`: a full `Blockchain` that gossips blocks and transactions and fetches what it misses.
- `mining`: Poisson mining by share of power (PoW), Clique turns (PoA).
- `network`: nodes, links, partitions, crashes, and running it all.
- `metrics`: propagation, stale blocks, convergence, tip histories.
- `theory`: the whitepaper's double-spend formula, Rosenfeld's exact one, the stale-rate rule.
- `stale`: the experiment that measures the stale-rate rule.
- `attacks`: the double spend against a merchant and the 51 % attack, simulated.
"""

from minichain.network.attacks import (
    AttackerNode,
    DoubleSpend,
    DoubleSpendEstimate,
    DoubleSpendOutcome,
    MajorityAttackOutcome,
    double_spend_trial,
    majority_attack,
    simulate_double_spend,
)
from minichain.network.errors import (
    InvalidConfirmations,
    InvalidLatency,
    InvalidRisk,
    InvalidShare,
    MajorityAttacker,
    NetworkError,
    NodeIsDown,
    NotAValidator,
    NotLinked,
    SharesExceedWhole,
    UnknownNode,
    WrongConsensus,
)
from minichain.network.events import Event, EventKind
from minichain.network.latency import (
    LATENCY_2019_MS,
    REGIONS,
    FixedDelay,
    LatencyModel,
    LinkDelays,
    RegionLatency,
)
from minichain.network.metrics import FoundBlock, Metrics, percentile
from minichain.network.mining import CliqueTurns, PoissonMining
from minichain.network.network import Network, fixed_difficulty
from minichain.network.node import Node
from minichain.network.scheduler import Scheduler
from minichain.network.stale import StaleRateEstimate, measure_stale_rate
from minichain.network.theory import (
    attacker_success_probability,
    attacker_success_probability_exact,
    catch_up_probability,
    confirmations_needed,
    expected_stale_rate,
)
from minichain.network.topology import random_peers
from minichain.network.vote_log import ValidatorVotes, VoteRound, final_heights, vote_round

__all__ = [
    "LATENCY_2019_MS",
    "REGIONS",
    "AttackerNode",
    "CliqueTurns",
    "DoubleSpend",
    "DoubleSpendEstimate",
    "DoubleSpendOutcome",
    "Event",
    "EventKind",
    "FixedDelay",
    "FoundBlock",
    "InvalidConfirmations",
    "InvalidLatency",
    "InvalidRisk",
    "InvalidShare",
    "LatencyModel",
    "LinkDelays",
    "MajorityAttackOutcome",
    "MajorityAttacker",
    "Metrics",
    "Network",
    "NetworkError",
    "Node",
    "NodeIsDown",
    "NotAValidator",
    "NotLinked",
    "PoissonMining",
    "RegionLatency",
    "Scheduler",
    "SharesExceedWhole",
    "StaleRateEstimate",
    "UnknownNode",
    "ValidatorVotes",
    "VoteRound",
    "WrongConsensus",
    "attacker_success_probability",
    "attacker_success_probability_exact",
    "catch_up_probability",
    "confirmations_needed",
    "double_spend_trial",
    "expected_stale_rate",
    "final_heights",
    "fixed_difficulty",
    "majority_attack",
    "measure_stale_rate",
    "percentile",
    "random_peers",
    "simulate_double_spend",
    "vote_round",
]
