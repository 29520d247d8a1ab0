"""Watching for fraud: red-flag rules, a monitor that applies them live, and a seeded shop day.

    from minichain.monitoring import FraudMonitor, ShopDay
    day = ShopDay()
    monitor = FraudMonitor(day.chain, shops=[day.shop.address])
    day.run()
    for alert in monitor.update():
        print(alert)

`rules` holds the indicators (inspired by FATF's red-flag indicators for virtual assets, 2020),
`monitor` the watcher, `shop_day` the story the lesson and tests play through.
"""

from minichain.monitoring.monitor import FraudMonitor
from minichain.monitoring.rules import (
    Alert, History, InvalidThreshold, NewAddressHighValue, Payment, RapidRefunds, Rule,
    Severity, UnusualAmount, default_rules, robust_z_score)
from minichain.monitoring.shop_day import Evaluation, PlannedPayment, ShopDay, evaluate

__all__ = ["Alert", "Evaluation", "FraudMonitor", "History", "InvalidThreshold",
           "NewAddressHighValue", "Payment", "PlannedPayment", "RapidRefunds", "Rule",
           "Severity", "ShopDay", "UnusualAmount", "default_rules", "evaluate", "robust_z_score"]
