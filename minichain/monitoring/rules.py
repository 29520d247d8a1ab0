"""The rules a fraud monitor applies to each payment it sees, and the alerts they raise.

Each rule is a red flag of the kind regulators ask payment businesses to watch for, inspired by
FATF, "Virtual Assets: Red Flag Indicators of Money Laundering and Terrorist Financing"
(September 2020), a list of money-laundering indicators for virtual-asset businesses (its groups:
transactions, transaction patterns, anonymity, senders or recipients, source of funds,
geography). Two of the rules echo its transaction groups; the first is a merchant's rule:

- `RapidRefunds`: many payments from a shop back to one address within a few blocks, the
  pattern of an insider refunding orders to themselves (refund abuse; not on FATF's list);
- `UnusualAmount`: a payment far above what a shop usually receives, measured by the robust
  z-score of Iglewicz and Hoaglin, "How to Detect and Handle Outliers" (ASQC, 1993):
  0.6745 × (amount − median) / MAD, where MAD is the median absolute deviation; a score above
  3.5 is their suggested outlier threshold. Medians, unlike averages, are not dragged up by
  the outliers they are meant to find;
- `NewAddressHighValue`: an address first seen only a few blocks ago buying expensive goods
  ("new accounts making large transactions", FATF 2020; the classic stolen-card pattern:
  open a fresh account, spend at once, before the owner notices).

A rule looks at one `Payment` and the monitor's `History` of payments seen before it, and
returns an `Alert` or None. Rules are deterministic: the same history and payment give the
same alert, word for word. A rule raises an alert; a person decides what it means.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from statistics import median

from minichain.errors import ValidationError, short
from minichain.language import say, say_n

__all__ = [
    "Alert",
    "History",
    "InvalidThreshold",
    "NewAddressHighValue",
    "Payment",
    "RapidRefunds",
    "Rule",
    "Severity",
    "UnusualAmount",
    "default_rules",
    "robust_z_score",
    "rule_title",
]

# Iglewicz and Hoaglin (1993): 0.6745 is the 0.75 quantile of the standard normal distribution,
# which makes MAD comparable to a standard deviation for normally distributed amounts.
MAD_SCALE = 0.6745
MEAN_AD_SCALE = 1.253314  # sqrt(pi / 2): mean absolute deviation to standard deviation


class InvalidThreshold(ValidationError):
    """A rule was given a threshold that cannot work (negative, zero where it must count)."""

    def __init__(self, rule: str, name: str, value: object, needs: str):
        """`rule` is the rule's name (shown in the language in use), `name` the threshold's
        (a Python name, shown as it is), `needs` what it must be, in the language in use."""
        super().__init__(say("{rule}: {name} {value!r} cannot work; it must be {needs}.",
                             rule=rule_title(rule), name=name, value=value, needs=needs))


def _at_least(rule: str, name: str, value: object, minimum: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= minimum:
        raise InvalidThreshold(rule, name, value,
                               say("a number of at least {minimum:g}", minimum=minimum))


def rule_title(name: str) -> str:
    """A rule's name as a person reads it, in the language in use ("rapid refunds" in
    English); `Rule.name` and `Alert.rule` stay the English name, a value to compare."""
    titles = {"rapid refunds": say("rapid refunds"), "unusual amount": say("unusual amount"),
              "new address, high value": say("new address, high value")}
    return titles.get(name, name)


class Severity(Enum):
    """How urgently a person should look: the word is shown beside any colour."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def text(self) -> str:
        """The word in the language in use ("high" in English); `value` stays English."""
        # TRANSLATORS: how serious a fraud alert is: low, medium, high.
        words = {"low": say("low"), "medium": say("medium"), "high": say("high")}
        return words[self.value]


@dataclass(frozen=True)
class Payment:
    """One transfer as the monitor sees it; `height` is the block it is in, or the next block's
    height while it is still pending in the mempool."""

    txid: bytes
    sender: str
    recipient: str
    amount: int
    height: int
    pending: bool = False


@dataclass(frozen=True)
class Alert:
    """A rule's finding: what fired, how serious, who and which payments, and why in one
    sentence that names the values."""

    rule: str
    severity: Severity
    addresses: tuple[str, ...]
    txids: tuple[bytes, ...]
    explanation: str
    height: int
    pending: bool = False

    @property
    def txid(self) -> bytes:
        """The payment that made the rule fire (the last one named)."""
        return self.txids[-1]

    def __str__(self) -> str:
        values = {"severity": self.severity.text, "rule": rule_title(self.rule),
                  "height": self.height, "explanation": self.explanation}
        if self.pending:
            return say("[{severity}] {rule} (pending for block {height}): {explanation}",
                       **values)
        return say("[{severity}] {rule} (block {height}): {explanation}", **values)


@dataclass
class History:
    """What the monitor has seen so far: every payment, and when each address first appeared.

    `shops` are the merchants' addresses: a payment to a shop is a purchase, a payment from a
    shop to anyone else is a refund.
    """

    shops: frozenset[str]
    first_seen: dict[str, int] = field(default_factory=dict)
    received: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    spent: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    refunds: dict[tuple[str, str], list[Payment]] = field(
        default_factory=lambda: defaultdict(list))

    def is_purchase(self, payment: Payment) -> bool:
        return payment.recipient in self.shops and payment.sender not in self.shops

    def is_refund(self, payment: Payment) -> bool:
        return payment.sender in self.shops and payment.recipient not in self.shops

    def seen(self, address: str, height: int) -> None:
        """Note that `address` appeared at `height` (the first time counts)."""
        self.first_seen.setdefault(address, height)

    def record(self, payment: Payment) -> None:
        """Add a payment after the rules have looked at it."""
        self.seen(payment.sender, payment.height)
        self.seen(payment.recipient, payment.height)
        if self.is_purchase(payment):
            self.received[payment.recipient].append(payment.amount)
            self.spent[payment.sender].append(payment.amount)
        if self.is_refund(payment):
            self.refunds[payment.sender, payment.recipient].append(payment)

    def copy(self) -> History:
        """An independent copy (to try pending payments without remembering them)."""
        return History(
            self.shops, dict(self.first_seen),
            defaultdict(list, {k: list(v) for k, v in self.received.items()}),
            defaultdict(list, {k: list(v) for k, v in self.spent.items()}),
            defaultdict(list, {k: list(v) for k, v in self.refunds.items()}))


class Rule:
    """A red-flag indicator: `check(payment, history)` returns an Alert or None."""

    name = "rule"
    severity = Severity.MEDIUM

    def check(self, payment: Payment, history: History) -> Alert | None:
        raise NotImplementedError

    def describe(self) -> str:
        """What the rule looks for, in one plain sentence with its thresholds and severity."""
        return say("{rule} ({severity})", rule=rule_title(self.name),
                   severity=self.severity.text)

    def _alert(self, payment: Payment, addresses: Sequence[str], txids: Sequence[bytes],
               explanation: str) -> Alert:
        return Alert(self.name, self.severity, tuple(addresses), tuple(txids), explanation,
                     payment.height, payment.pending)


def robust_z_score(value: float, history: Sequence[float]) -> float:
    """How far `value` lies above the median of `history`, in robust standard deviations:
    0.6745 × (value − median) / MAD (Iglewicz and Hoaglin, 1993).

    When more than half the history is one amount, MAD is 0; then the mean absolute deviation
    from the median stands in, as (value − median) / (1.253314 × MeanAD) (the fallback IBM
    SPSS uses for its modified z-score). With no spread at all, any value above the median
    scores infinity."""
    middle = median(history)
    mad = median(abs(x - middle) for x in history)
    if mad:
        return MAD_SCALE * (value - middle) / mad
    mean_ad = sum(abs(x - middle) for x in history) / len(history)
    if mean_ad:
        return (value - middle) / (MEAN_AD_SCALE * mean_ad)
    return 0.0 if value <= middle else float("inf")


@dataclass
class RapidRefunds(Rule):
    """Refund fraud: a shop pays the same address back `count` times or more within `window`
    blocks (the refund that reaches the count, and every later one in the window, fires).

    An honest customer who returns one item gets one refund; an insider who refunds orders to
    their own address, again and again, trips this rule."""

    count: int = 3
    window: int = 10
    severity: Severity = Severity.HIGH
    name = "rapid refunds"

    def __post_init__(self) -> None:
        _at_least(self.name, "count", self.count, 2)
        _at_least(self.name, "window", self.window, 1)

    def describe(self) -> str:
        return say("{rule}: {count} or more refunds from a shop to one address within {window} "
                   "blocks ({severity})", rule=rule_title(self.name), count=self.count,
                   window=self.window, severity=self.severity.text)

    def check(self, payment: Payment, history: History) -> Alert | None:
        if not history.is_refund(payment):
            return None
        earlier = [p for p in history.refunds.get((payment.sender, payment.recipient), ())
                   if p.height > payment.height - self.window]
        burst = earlier + [payment]
        if len(burst) < self.count:
            return None
        first = min(p.height for p in burst)
        values = {"shop": short(payment.sender), "to": short(payment.recipient),
                  "times": len(burst), "total": sum(p.amount for p in burst), "first": first,
                  "last": payment.height, "limit": self.count - 1, "window": self.window}
        if first == payment.height:
            explanation = say("{shop} paid {to} back {times} times (total {total:,}) in block "
                              "{first}; the limit is {limit} refunds to one address within "
                              "{window} blocks.", **values)
        else:
            explanation = say("{shop} paid {to} back {times} times (total {total:,}) in blocks "
                              "{first} to {last}; the limit is {limit} refunds to one address "
                              "within {window} blocks.", **values)
        return self._alert(payment, (payment.sender, payment.recipient),
                           [p.txid for p in burst], explanation)


@dataclass
class UnusualAmount(Rule):
    """A purchase far above the usual: its robust z-score is above `threshold` (3.5 after
    Iglewicz and Hoaglin, 1993), against the earlier purchases of the same shop
    (`compare_with="shop"`) or of the same buyer (`compare_with="buyer"`).

    Comparing with the shop knows "usual" from the first day, but flags every big regular
    customer; comparing with the buyer leaves a wholesale customer alone, but says nothing
    about a buyer until they have a history. Nothing fires until there are `min_history`
    earlier purchases to compare with."""

    threshold: float = 3.5
    min_history: int = 5
    compare_with: str = "shop"
    severity: Severity = Severity.MEDIUM
    name = "unusual amount"

    def __post_init__(self) -> None:
        _at_least(self.name, "threshold", self.threshold, 0)
        _at_least(self.name, "min_history", self.min_history, 3)
        if self.compare_with not in ("shop", "buyer"):
            raise InvalidThreshold(self.name, "compare_with", self.compare_with,
                                   say("'shop' or 'buyer'"))

    def describe(self) -> str:
        values = {"rule": rule_title(self.name), "threshold": self.threshold,
                  "min_history": self.min_history, "severity": self.severity.text}
        if self.compare_with == "shop":
            return say("{rule}: a purchase whose robust z-score is above {threshold:g} against "
                       "the shop's earlier purchases, once there are at least {min_history} of "
                       "them ({severity})", **values)
        return say("{rule}: a purchase whose robust z-score is above {threshold:g} against the "
                   "same buyer's earlier purchases, once there are at least {min_history} of "
                   "them ({severity})", **values)

    def check(self, payment: Payment, history: History) -> Alert | None:
        if not history.is_purchase(payment):
            return None
        by_shop = self.compare_with == "shop"
        usual = (history.received if by_shop else history.spent).get(
            payment.recipient if by_shop else payment.sender, [])
        if len(usual) < self.min_history:
            return None
        score = robust_z_score(payment.amount, usual)
        if score <= self.threshold:
            return None
        values = {"buyer": short(payment.sender), "amount": payment.amount,
                  "shop": short(payment.recipient), "usual": median(usual),
                  "earlier": len(usual), "score": score, "threshold": self.threshold}
        if by_shop and score == float("inf"):
            explanation = say("{buyer} paid {amount:,} to {shop}, whose usual purchase is "
                              "{usual:g} (the median of its {earlier} earlier purchases); its "
                              "robust z-score is far above any spread, above the threshold "
                              "{threshold:g}.", **values)
        elif by_shop:
            explanation = say("{buyer} paid {amount:,} to {shop}, whose usual purchase is "
                              "{usual:g} (the median of its {earlier} earlier purchases); its "
                              "robust z-score is {score:.1f}, above the threshold "
                              "{threshold:g}.", **values)
        elif score == float("inf"):
            explanation = say("{buyer} paid {amount:,} to {shop}, while this buyer usually "
                              "spends {usual:g} (the median of their {earlier} earlier "
                              "purchases); its robust z-score is far above any spread, above "
                              "the threshold {threshold:g}.", **values)
        else:
            explanation = say("{buyer} paid {amount:,} to {shop}, while this buyer usually "
                              "spends {usual:g} (the median of their {earlier} earlier "
                              "purchases); its robust z-score is {score:.1f}, above the "
                              "threshold {threshold:g}.", **values)
        return self._alert(payment, (payment.sender, payment.recipient), [payment.txid],
                           explanation)


@dataclass
class NewAddressHighValue(Rule):
    """A brand-new address buying expensive goods: the buyer was first seen fewer than
    `new_for` blocks ago and pays a shop `high_value` or more in one go."""

    high_value: int = 200
    new_for: int = 5
    severity: Severity = Severity.HIGH
    name = "new address, high value"

    def __post_init__(self) -> None:
        _at_least(self.name, "high_value", self.high_value, 1)
        _at_least(self.name, "new_for", self.new_for, 1)

    def describe(self) -> str:
        return say("{rule}: a purchase of {high_value:,} or more from an address first seen "
                   "fewer than {new_for} blocks ago ({severity})", rule=rule_title(self.name),
                   high_value=self.high_value, new_for=self.new_for,
                   severity=self.severity.text)

    def check(self, payment: Payment, history: History) -> Alert | None:
        if not history.is_purchase(payment) or payment.amount < self.high_value:
            return None
        first = history.first_seen.get(payment.sender, payment.height)
        age = payment.height - first
        if age >= self.new_for:
            return None
        values = {"buyer": short(payment.sender), "first": first, "amount": payment.amount,
                  "shop": short(payment.recipient), "new_for": self.new_for,
                  "high_value": self.high_value}
        if age == 0:
            explanation = say("{buyer} was first seen in this very block and already pays "
                              "{amount:,} to {shop}; the rule flags addresses younger than "
                              "{new_for} blocks paying {high_value:,} or more.", **values)
        else:
            explanation = say_n("{buyer} was first seen at block {first}, {count} block ago, and "
                                "already pays {amount:,} to {shop}; the rule flags addresses "
                                "younger than {new_for} blocks paying {high_value:,} or more.",
                                "{buyer} was first seen at block {first}, {count} blocks ago, "
                                "and already pays {amount:,} to {shop}; the rule flags addresses "
                                "younger than {new_for} blocks paying {high_value:,} or more.",
                                age, **values)
        return self._alert(payment, (payment.sender, payment.recipient), [payment.txid],
                           explanation)


def default_rules() -> list[Rule]:
    """One of each rule with its default thresholds."""
    return [RapidRefunds(), UnusualAmount(), NewAddressHighValue()]
