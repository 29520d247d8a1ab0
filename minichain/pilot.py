"""Planning a pilot project: what a consortium chain (BFT, four validators by default: platform,
logistics, bank and auditor, so that one may fail or lie) costs a month, what proof of work would
cost instead, a checklist, and the three areas a first pilot usually picks from.

The cost model is arithmetic on clearly labelled assumptions, not a quote. Its defaults are
public list prices and this package's own measurements; replace them with your provider's:

- compute: one cloud server per validator, e.g. AWS EC2 t3.medium on demand, Linux, us-east-1,
  USD 0.0416 an hour (AWS EC2 on-demand price list, 2024); 730 hours make a month (AWS's
  convention);
- storage: each validator keeps `retention_months` of chain data on block storage, AWS EBS gp3
  at USD 0.08 per GB-month (AWS EBS pricing, 2024); a block costs 1,065 bytes on disk and each
  payment 690 more (measured: a minichain chain file of 300 BFT blocks of four validators, each
  with its proposer's seal and four commit seals, empty and with 10 payments each, SQLite with
  its indexes, state diffs and receipts);
- bandwidth: every block is sent to the other validators, at USD 0.09 per GB (AWS data
  transfer out, first 10 TB, 2024; traffic inside one region costs less);
- operations: the people at each member company who keep its validator running (members ×
  hours × rate: an assumption, 8 hours a month each at USD 40 an hour), usually the largest line.

Setting the pilot up costs more than a month of running it (`setup_cost`): integrating the chain
with the shop's and partners' order and ERP systems, a security audit of its contracts, a legal
review, and in mainland China the filing of the service with the CAC (Blockchain Information
Service Provisions, in force 15 February 2019, Art. 11: within 10 working days of starting). No
public price list exists for any of these; the defaults are labelled assumptions to replace with
quotes. Renting the chain from a blockchain-as-a-service platform is the other way to start
(`BAAS_OPTIONS`: what each platform publishes, with the date it was read).

Proof of work is priced the way it really costs: hashes per second × seconds × energy per
hash × electricity price (DESIGN.md, "hashes = energy"). Two sets of assumptions: your own
small chain mined by a few CPUs (minichain's miner does about 1.9 million hashes a second per
core, see README "Performance"; a busy server core draws about 15 W), and a chain as hard to
attack as Bitcoin: about 600 EH/s (6 × 10^20 hashes a second, network hash rate in 2024, e.g.
mempool.space and blockchain.com charts) at about 28 J/TH, the fleet average of 2024 (Cambridge
Centre for Alternative Finance, Cambridge Digital Mining Industry Report, April 2025: 28.2 J/TH;
the best machine on sale does better, but the average machine is what burns the energy), and
USD 0.05 per kWh (an industrial price). That gives about 147 TWh a year, the order of the same
report's estimate of about 138 TWh for 2024.

Every nonsense input (negative validators, a price below zero, no transactions) is refused
with a `PilotInputError`, a `minichain.ValidationError` whose message names the value.

Every text a person reads is in the language in use (`minichain.language`) when it is read: the
checklist, the pilot areas, the questions and the rented options are sequences whose items are
made in that language each time they are read, and `BITCOIN_SCALE` is made when it is imported.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any, TypeVar

from minichain.errors import ValidationError
from minichain.language import current_language, say

__all__ = [
    "BAAS_OPTIONS",
    "BITCOIN_SCALE",
    "BaasOption",
    "CHECKLIST",
    "ChecklistItem",
    "CostBreakdown",
    "NegativeValue",
    "NotANumber",
    "NotPositive",
    "PILOT_AREAS",
    "PILOT_QUESTIONS",
    "PilotArea",
    "PilotInputError",
    "PilotInputs",
    "PilotQuestion",
    "PowAssumptions",
    "PowEnergyCost",
    "Recommendation",
    "SetupCost",
    "TooFewValidators",
    "UnknownQuestion",
    "monthly_cost",
    "own_pow_chain",
    "pow_energy_cost",
    "recommend_area",
    "setup_cost",
]

JOULES_PER_KWH = 3_600_000
GB = 1_000_000_000  # bytes; cloud providers bill decimal gigabytes

T = TypeVar("T")


class _InLanguage(Sequence[T]):
    """A tuple of texts for people, made in the language in use whenever it is read (so a
    module that imported it before `set_language` still reads it in the language chosen)."""

    def __init__(self, make: Callable[[], tuple[T, ...]]):
        by_language = cache(lambda _language: make())
        self._items: Callable[[], tuple[T, ...]] = lambda: by_language(current_language())

    def __getitem__(self, index: Any) -> Any:
        return self._items()[index]

    def __len__(self) -> int:
        return len(self._items())

    def __iter__(self) -> Iterator[T]:
        return iter(self._items())

    def __repr__(self) -> str:
        return repr(self._items())


# -- errors ---------------------------------------------------------------------------------------

class PilotInputError(ValidationError):
    """An input to the pilot cost model or the pilot questions that makes no sense."""


def _label(name: str) -> str:
    """An input of the cost model as messages name it: "instance price per hour"."""
    labels = {
        "validators": say("validators"),
        "transactions_per_day": say("transactions per day"),
        "instance_price_per_hour": say("instance price per hour"),
        "hours_per_month": say("hours per month"),
        "block_interval_seconds": say("block interval seconds"),
        "bytes_per_block": say("bytes per block"),
        "bytes_per_transaction": say("bytes per transaction"),
        "retention_months": say("retention months"),
        "storage_price_per_gb_month": say("storage price per gb month"),
        "egress_price_per_gb": say("egress price per gb"),
        "operator_hours_per_month": say("operator hours per month"),
        "operator_hourly_rate": say("operator hourly rate"),
        "server_watts": say("server watts"),
        "hashes_per_second": say("hashes per second"),
        "joules_per_hash": say("joules per hash"),
        "price_per_kwh": say("price per kwh"),
        "miners": say("miners"),
        "hashes_per_second_each": say("hashes per second each"),
        "integration_days": say("integration days"),
        "day_rate": say("day rate"),
        "security_audit": say("security audit"),
        "legal_hours": say("legal hours"),
        "legal_rate": say("legal rate"),
        "filing_hours": say("filing hours"),
        "staff_rate": say("staff rate"),
    }
    return labels.get(name) or name.replace("_", " ")


class NotANumber(PilotInputError):
    """A number was expected (a whole number for counts)."""

    def __init__(self, name: str, value: object, whole: bool = False):
        if whole:
            message = say("{name} must be a whole number, not {value!r}.", name=_label(name),
                          value=value)
        else:
            message = say("{name} must be a number, not {value!r}.", name=_label(name),
                          value=value)
        super().__init__(message)


class NegativeValue(PilotInputError):
    """A price, size or count below zero."""

    def __init__(self, name: str, value: float):
        super().__init__(say("{name} cannot be negative: {value:g} makes no sense.",
                             name=_label(name), value=value))


class NotPositive(PilotInputError):
    """A value that must be above zero (time between blocks, hours in a month, traffic)."""

    def __init__(self, name: str, value: float):
        super().__init__(say("{name} must be above 0, not {value:g}; the cost per transaction "
                             "needs it.", name=_label(name), value=value))


class TooFewValidators(PilotInputError):
    """A consortium chain with no one to seal its blocks."""

    def __init__(self, value: int):
        super().__init__(say("a consortium chain needs at least 1 validator to seal blocks (4 "
                             "or more, so that one can fail or lie), not {value}.", value=value))


class UnknownQuestion(PilotInputError):
    """An answer to a question the pilot guide does not ask."""

    def __init__(self, key: str):
        known = ", ".join(q.key for q in PILOT_QUESTIONS)
        super().__init__(say("there is no pilot question {key!r}; the questions are: {known}.",
                             key=key, known=known))


def _check_number(name: str, value: object, *, whole: bool = False, positive: bool = False
                  ) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            (isinstance(value, float) and not math.isfinite(value)):
        raise NotANumber(name, value, whole)
    if whole and not isinstance(value, int):
        raise NotANumber(name, value, whole)
    if value < 0:
        raise NegativeValue(name, value)
    if positive and value == 0:
        raise NotPositive(name, value)


# -- the consortium chain's monthly cost ----------------------------------------------------------

@dataclass(frozen=True)
class PilotInputs:
    """Everything the cost model needs; prices in `currency`. See the module docstring for
    where each default comes from."""

    validators: int = 4
    transactions_per_day: int = 10_000
    instance_price_per_hour: float = 0.0416
    hours_per_month: float = 730.0
    block_interval_seconds: float = 5.0
    bytes_per_block: int = 1_065
    bytes_per_transaction: int = 690
    retention_months: float = 12.0
    storage_price_per_gb_month: float = 0.08
    egress_price_per_gb: float = 0.09
    operator_hours_per_month: float = 8.0  # at each member company
    operator_hourly_rate: float = 40.0
    server_watts: float = 40.0
    currency: str = "USD"

    def __post_init__(self) -> None:
        if type(self.validators) is int and self.validators < 1:
            raise TooFewValidators(self.validators)
        for item in fields(self):
            if item.name == "currency":
                continue
            _check_number(item.name, getattr(self, item.name),
                          whole=item.name in {"validators", "transactions_per_day",
                                              "bytes_per_block", "bytes_per_transaction"},
                          positive=item.name in {"transactions_per_day", "hours_per_month",
                                                 "block_interval_seconds"})

    @property
    def blocks_per_month(self) -> float:
        return self.hours_per_month * 3600 / self.block_interval_seconds

    @property
    def transactions_per_month(self) -> float:
        return self.transactions_per_day * self.hours_per_month / 24


@dataclass(frozen=True)
class CostBreakdown:
    """One month of running the pilot chain, once each validator holds `retention_months` of
    data, line by line; and the energy its servers draw."""

    inputs: PilotInputs
    compute: float
    storage: float
    bandwidth: float
    operations: float
    growth_gb_per_month: float
    stored_gb_per_validator: float
    kwh_per_month: float

    @property
    def total(self) -> float:
        return self.compute + self.storage + self.bandwidth + self.operations

    @property
    def transactions_per_month(self) -> float:
        return self.inputs.transactions_per_month

    @property
    def cost_per_transaction(self) -> float:
        return self.total / self.transactions_per_month

    def lines(self) -> list[tuple[str, float, str]]:
        """(line, monthly cost, how it was worked out) for a table."""
        i = self.inputs
        return [
            (say("servers"), self.compute,
             say("{validators} validator(s) × {hours:g} h × {price:g} {currency}/h",
                 validators=i.validators, hours=i.hours_per_month,
                 price=i.instance_price_per_hour, currency=i.currency)),
            (say("storage"), self.storage,
             say("{validators} × {gb:.2f} GB ({months:g} months of data) × {price:g} "
                 "{currency}/GB-month", validators=i.validators,
                 gb=self.stored_gb_per_validator, months=i.retention_months,
                 price=i.storage_price_per_gb_month, currency=i.currency)),
            (say("network"), self.bandwidth,
             say("{gb:.2f} GB of blocks × {others} other validator(s) × {price:g} {currency}/GB",
                 gb=self.growth_gb_per_month, others=max(i.validators - 1, 0),
                 price=i.egress_price_per_gb, currency=i.currency)),
            (say("people"), self.operations,
             say("{members} member(s) × {hours:g} h × {rate:g} {currency}/h",
                 members=i.validators, hours=i.operator_hours_per_month,
                 rate=i.operator_hourly_rate, currency=i.currency)),
        ]


def monthly_cost(inputs: PilotInputs | None = None, **changes: float) -> CostBreakdown:
    """The monthly cost of the pilot chain for `inputs` (the defaults, changed by `changes`)."""
    if inputs is None or changes:
        values = {f.name: getattr(inputs, f.name) for f in fields(PilotInputs)} if inputs else {}
        inputs = PilotInputs(**{**values, **changes})
    growth = (inputs.blocks_per_month * inputs.bytes_per_block
              + inputs.transactions_per_month * inputs.bytes_per_transaction) / GB
    stored = growth * inputs.retention_months
    return CostBreakdown(
        inputs=inputs,
        compute=inputs.validators * inputs.hours_per_month * inputs.instance_price_per_hour,
        storage=inputs.validators * stored * inputs.storage_price_per_gb_month,
        bandwidth=growth * (inputs.validators - 1) * inputs.egress_price_per_gb,
        operations=(inputs.validators * inputs.operator_hours_per_month
                    * inputs.operator_hourly_rate),
        growth_gb_per_month=growth,
        stored_gb_per_validator=stored,
        kwh_per_month=inputs.validators * inputs.server_watts * inputs.hours_per_month / 1000,
    )


# -- proof of work, for comparison ----------------------------------------------------------------

@dataclass(frozen=True)
class PowAssumptions:
    """What securing a chain by proof of work takes: a hash rate, the energy of one hash and
    the price of electricity, with where the numbers come from."""

    name: str
    hashes_per_second: float
    joules_per_hash: float
    price_per_kwh: float
    source: str

    def __post_init__(self) -> None:
        for name in ("hashes_per_second", "joules_per_hash", "price_per_kwh"):
            _check_number(name, getattr(self, name))


def _bitcoin_scale() -> PowAssumptions:
    """BITCOIN_SCALE, in the language in use."""
    return PowAssumptions(
        name=say("as hard to attack as Bitcoin"),
        hashes_per_second=6e20, joules_per_hash=28e-12, price_per_kwh=0.05,
        source=say("about 600 EH/s (Bitcoin network hash rate, 2024); about 28 J/TH (the 2024 "
                   "fleet average, Cambridge Digital Mining Industry Report, April 2025); USD "
                   "0.05/kWh (industrial price). Assumptions, not measurements."))


def __getattr__(name: str) -> Any:
    """`BITCOIN_SCALE`, the assumptions of a chain as hard to attack as Bitcoin, made when it
    is imported, in the language in use then."""
    if name == "BITCOIN_SCALE":
        return _bitcoin_scale()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def own_pow_chain(miners: int = 3, *, hashes_per_second_each: float = 1.9e6,
                  watts_each: float = 15.0, price_per_kwh: float = 0.15) -> PowAssumptions:
    """A small proof-of-work chain of your own, mined flat out by `miners` CPU cores running
    minichain's miner (1.9 million hashes a second each, README "Performance")."""
    _check_number("miners", miners, whole=True, positive=True)
    _check_number("hashes_per_second_each", hashes_per_second_each, positive=True)
    return PowAssumptions(
        name=say("your own chain, {miners} CPU miner(s)", miners=miners),
        hashes_per_second=miners * hashes_per_second_each,
        joules_per_hash=watts_each / hashes_per_second_each, price_per_kwh=price_per_kwh,
        source=say("{hashes:,.0f} hashes/s per core (minichain's miner, measured); {watts:g} W "
                   "per busy core and USD {price:g}/kWh (assumptions).",
                   hashes=hashes_per_second_each, watts=watts_each, price=price_per_kwh))


@dataclass(frozen=True)
class PowEnergyCost:
    """A month of proof of work: hashes computed, the energy they take, what it costs."""

    assumptions: PowAssumptions
    hashes_per_month: float
    kwh_per_month: float
    cost_per_month: float
    transactions_per_month: float

    @property
    def kwh_per_transaction(self) -> float:
        return self.kwh_per_month / self.transactions_per_month

    @property
    def cost_per_transaction(self) -> float:
        return self.cost_per_month / self.transactions_per_month


def pow_energy_cost(assumptions: PowAssumptions, inputs: PilotInputs | None = None
                    ) -> PowEnergyCost:
    """Energy cost of a month of proof of work carrying the pilot's transactions:
    hashes = hash rate × seconds; energy = hashes × joules per hash."""
    inputs = inputs or PilotInputs()
    hashes = assumptions.hashes_per_second * inputs.hours_per_month * 3600
    kwh = hashes * assumptions.joules_per_hash / JOULES_PER_KWH
    return PowEnergyCost(assumptions, hashes, kwh, kwh * assumptions.price_per_kwh,
                         inputs.transactions_per_month)


# -- setting up, and renting instead --------------------------------------------------------------

@dataclass(frozen=True)
class SetupCost:
    """The one-off cost of starting the pilot, line by line; every default is an assumption
    (no public price list exists for this work), to replace with your quotes."""

    integration_days: float = 30.0  # connecting the chain to the shop's and partners' systems
    day_rate: float = 400.0  # a developer's day, in `currency`
    security_audit: float = 15_000.0  # a quote for auditing the pilot's contracts
    legal_hours: float = 40.0  # data protection, contracts between members, the filing
    legal_rate: float = 150.0
    filing_hours: float = 16.0  # preparing the CAC filing in mainland China (0 elsewhere)
    staff_rate: float = 40.0
    currency: str = "USD"

    def __post_init__(self) -> None:
        for item in fields(self):
            if item.name != "currency":
                _check_number(item.name, getattr(self, item.name))

    def lines(self) -> list[tuple[str, float, str]]:
        """(line, one-off cost, how it was worked out) for a table."""
        c = self.currency
        return [
            (say("integration"), self.integration_days * self.day_rate,
             say("{days:g} days × {rate:g} {currency}/day with the shop's and partners' order "
                 "and ERP systems", days=self.integration_days, rate=self.day_rate, currency=c)),
            (say("security audit"), self.security_audit,
             say("a quote for the pilot's contracts")),
            (say("legal review"), self.legal_hours * self.legal_rate,
             say("{hours:g} h × {rate:g} {currency}/h: data protection, the members' agreement",
                 hours=self.legal_hours, rate=self.legal_rate, currency=c)),
            (say("filing"), self.filing_hours * self.staff_rate,
             say("{hours:g} h × {rate:g} {currency}/h to prepare the CAC filing (mainland "
                 "China)", hours=self.filing_hours, rate=self.staff_rate, currency=c)),
        ]

    @property
    def total(self) -> float:
        return sum(cost for _line, cost, _how in self.lines())


def setup_cost(**changes: float) -> SetupCost:
    """The one-off cost of starting the pilot: the defaults, changed by `changes`."""
    return SetupCost(**changes)


@dataclass(frozen=True)
class BaasOption:
    """What a blockchain-as-a-service platform publishes about its price, and where."""

    platform: str
    published: str
    source: str
    read_on: str


def _baas_options() -> tuple[BaasOption, ...]:
    return (
        BaasOption(say("Blockchain-based Service Network (BSN)"),
                   say("about RMB 2,000-3,000 a year for an application on a permissioned "
                       "chain, billed by transactions a second, storage and bandwidth (the "
                       "network's own claim, not an independent price)"),
                   say("China Mobile International, BSN product page; BSN Introductory White "
                       "Paper (BSN Development Association, 2020); bsnbase.io user manual, "
                       "section 1"),
                   "2026-12-05"),
        BaasOption(say("Huawei Cloud Blockchain Service (BCS)"),
                   say("billed by edition, number of nodes, server size and bandwidth, plus "
                       "storage; no free edition; the prices are on its price page, not in the "
                       "documentation"),
                   say("Huawei Cloud BCS documentation, billing"), "2026-12-05"),
        BaasOption(say("Alibaba Cloud BaaS, Tencent Cloud TBaaS"),
                   say("editions priced in the cloud console; no public list price found"),
                   say("Alibaba Cloud BaaS documentation (limits); Tencent Cloud TBaaS "
                       "documentation"),
                   "2026-12-05"),
    )


BAAS_OPTIONS: Sequence[BaasOption] = _InLanguage(_baas_options)


# -- the checklist --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChecklistItem:
    """One thing to settle, when, and the lesson that helps."""

    stage: str  # "before", "during" or "after" the pilot
    task: str
    lesson: str


def _checklist() -> tuple[ChecklistItem, ...]:
    return (
        ChecklistItem("before", say(
            "Ask first whether the pilot needs a blockchain at all: with one writer, or a party "
            "everyone trusts to keep the record, a shared database is enough (Wüst & Gervais "
            "2017)."), "12-your-pilot-project"),
        ChecklistItem("before", say(
            "Write down the one business question the pilot answers and the number that will "
            "show it (hours of reconciliation, days to settle a dispute)."), "00-start-here"),
        ChecklistItem("before", say(
            "Choose one pilot area: payment processing, identity verification or transaction "
            "audit."), "12-your-pilot-project"),
        ChecklistItem("before", say(
            "Agree who runs the validators (platform, logistics firm, bank, an auditor: four, "
            "so that one may fail or lie) and how members are voted in and out."),
            "04-consensus-pow-vs-poa"),
        ChecklistItem("before", say(
            "Decide who holds the keys: customers, a wallet app, or you for them; and what "
            "happens when a key is lost."), "02-wallets-and-signatures"),
        ChecklistItem("before", say(
            "List the personal data involved and keep all of it off the chain (salted "
            "commitments only)."), "07-privacy"),
        ChecklistItem("before", say(
            "Check deletion requests, data residency and the audit trail with your "
            "data-protection officer (GDPR, PIPL)."), "08-compliance"),
        ChecklistItem("before", say(
            "In mainland China: file the chain service with the CAC within 10 working days of "
            "launch, verify users' real names, and settle in records, points or e-CNY, not "
            "cryptocurrency."), "08-compliance"),
        ChecklistItem("before", say(
            "Put a budget on it with the cost model: setting up (integration, audit, legal "
            "review) and every month, people included."), "12-your-pilot-project"),
        ChecklistItem("before", say(
            "Rehearse a crashed validator and a split network before the first sale."),
            "09-network-and-attacks"),
        ChecklistItem("during", say(
            "Decide how many confirmations an order waits before it ships."),
            "03-paying-at-checkout"),
        ChecklistItem("during", say(
            "Hold customers' money in escrow with clear ship and confirm deadlines and a "
            "dispute path."), "05-escrow-for-orders"),
        ChecklistItem("during", say(
            "If goods are tracked, have both hands sign every custody hand-off."),
            "06-traceability"),
        ChecklistItem("during", say(
            "Measure transactions a second against your busiest hour; plan payment channels "
            "for the peak."), "10-scaling-the-flash-sale"),
        ChecklistItem("during", say(
            "Switch on fraud monitoring and tune its thresholds on real traffic."),
            "11-watching-for-fraud"),
        ChecklistItem("after", say(
            "Compare the number you wrote down with the result, and decide: stop, change, or "
            "grow."), "12-your-pilot-project"),
    )


CHECKLIST: Sequence[ChecklistItem] = _InLanguage(_checklist)


# -- choosing a pilot area ------------------------------------------------------------------------

@dataclass(frozen=True)
class PilotArea:
    """A first pilot: what it proves, what it risks, how to start, which lessons prepare it."""

    key: str
    name: str
    proves: str
    risk: str
    first_step: str
    lessons: tuple[str, ...]


def _pilot_areas() -> tuple[PilotArea, ...]:
    return (
        PilotArea("audit", say("transaction audit"),
                  say("that partners and auditors can check one shared record of orders and "
                      "refunds nobody can quietly change"),
                  say("low: no customer money moves and no personal data goes on chain"),
                  say("record a fingerprint of each day's orders and refunds; let the auditor "
                      "verify one with a Merkle proof"),
                  ("01-fingerprints-and-tamper-evidence", "08-compliance",
                   "11-watching-for-fraud")),
        PilotArea("payments", say("payment processing"),
                  say("that orders can be paid, held in escrow and settled between platform, "
                      "merchant and bank without a reconciliation step"),
                  say("medium: real money moves, so confirmations, escrow and fraud monitoring "
                      "matter"),
                  say("settle one merchant's orders through escrow on a consortium chain for a "
                      "month"),
                  ("03-paying-at-checkout", "05-escrow-for-orders", "10-scaling-the-flash-sale",
                   "11-watching-for-fraud")),
        PilotArea("identity", say("identity verification"),
                  say("that a seller or customer proves one fact (a verified seller, a delivery "
                      "city) without handing over the rest of the document (proving 'over 18' "
                      "without the birthday needs a zero-knowledge range proof, which this kit "
                      "does not build)"),
                  say("high: personal data and data-protection law are involved from day one"),
                  say("issue verified-seller credentials as salted commitments; disclose one "
                      "attribute with a proof"),
                  ("02-wallets-and-signatures", "07-privacy", "08-compliance")),
    )


PILOT_AREAS: Sequence[PilotArea] = _InLanguage(_pilot_areas)


@dataclass(frozen=True)
class PilotQuestion:
    """A yes/no question and the points a "yes" gives each pilot area."""

    key: str
    text: str
    points: Mapping[str, int] = field(default_factory=dict)


def _pilot_questions() -> tuple[PilotQuestion, ...]:
    return (
        PilotQuestion("reconciliation", say(
            "Do you spend hours a week reconciling payments with the platform, the bank or "
            "partners?"), {"payments": 2, "audit": 1}),
        PilotQuestion("disputes", say(
            "Do disputes about refunds or delivery drag on because each side has its own "
            "record?"), {"payments": 1, "audit": 2}),
        PilotQuestion("auditors", say(
            "Do auditors or regulators ask for records you struggle to prove unchanged?"),
            {"audit": 2}),
        PilotQuestion("fake_sellers", say(
            "Are fake or unverified sellers a problem on your marketplace?"), {"identity": 2}),
        PilotQuestion("cross_border", say(
            "Is cross-border settlement slow or expensive for you?"), {"payments": 2}),
        PilotQuestion("personal_data", say(
            "Can the pilot avoid touching customers' personal data?"),
            {"audit": 1, "payments": 1, "identity": -2}),
        PilotQuestion("partners", say(
            "Are at least two other companies willing to run a validator with you?"),
            {"payments": 1, "audit": 1, "identity": 1}),
    )


PILOT_QUESTIONS: Sequence[PilotQuestion] = _InLanguage(_pilot_questions)


@dataclass(frozen=True)
class Recommendation:
    """A pilot area's score for a set of answers, and the answers that earned it."""

    area: PilotArea
    score: int
    reasons: tuple[str, ...]


def recommend_area(answers: Mapping[str, bool]) -> list[Recommendation]:
    """The pilot areas, best fit first, for yes/no `answers` keyed by question; ties go to the
    lower-risk area (the order of PILOT_AREAS)."""
    questions = {q.key: q for q in PILOT_QUESTIONS}
    for key in answers:
        if key not in questions:
            raise UnknownQuestion(key)
    ranked = []
    for order, area in enumerate(PILOT_AREAS):
        yes = [questions[k] for k in questions if answers.get(k) and area.key in
               questions[k].points]
        score = sum(q.points[area.key] for q in yes)
        ranked.append((-score, order, Recommendation(area, score, tuple(q.text for q in yes))))
    return [r for _score, _order, r in sorted(ranked, key=lambda t: t[:2])]
