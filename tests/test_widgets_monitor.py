"""The alert feed, driven without a browser: a shop day played block by block, alerts
appearing as pending and then confirmed, thresholds tuned with sliders."""

import pytest

pytest.importorskip("ipywidgets")

from minichain import Blockchain, Wallet  # noqa: E402
from minichain.monitoring import Severity, ShopDay  # noqa: E402
from minichain.widgets import MonitorView  # noqa: E402
from minichain.widgets.monitor import alert_card, severity_badge  # noqa: E402


def day_view(**options):
    return MonitorView(ShopDay(), **options)


def test_a_quiet_start_shows_no_alerts():
    view = day_view()
    assert "Block 0 of 24" in view.status.value
    assert "✔ no alerts so far" in view.feed.value
    for _ in range(8):
        view.step_button.click()
    assert "Block 8 of 24" in view.status.value and view.monitor.alerts == []
    assert "✔ no false alarms" in view.score.value


def test_the_insider_refunds_appear_pending_then_confirmed():
    view = day_view()
    for _ in range(11):
        view.step_button.click()
    view.arrive_button.click()  # block 12's payments reach the mempool
    assert 'data-pending="true"' in view.feed.value and "◔ pending" in view.feed.value
    assert "1 pending" in view.status.value and view.monitor.alerts == []
    assert "paid 0x2c81…478d (insider) back 3 times" in view.feed.value
    confirmed = view.step()
    assert [a.rule for a in confirmed] == ["rapid refunds"]
    assert 'data-pending="false"' in view.feed.value and "◔" not in view.feed.value
    assert "▲▲ HIGH" in view.feed.value and "dashed" in view.feed.value  # not colour alone
    assert "who: shop, insider" in view.feed.value
    assert "✔ caught" in view.score.value and "insider refunds" in view.score.value


def test_the_whole_day_catches_every_fraud_and_one_gift_is_a_false_alarm():
    view = day_view()
    view.run_button.click()
    assert view.step_button.disabled and view.run_button.disabled
    assert "Block 24 of 24" in view.status.value
    caught, missed, false_alarms = view.truth()
    assert caught == ["insider refunds", "stolen card", "account takeover"] and missed == []
    assert false_alarms == ["order: wedding gift set (customer, 120)"]
    assert "✘ false alarms" in view.score.value


def test_raising_the_threshold_removes_the_false_alarm_and_then_misses_a_fraud():
    view = day_view()
    view.run()
    view.threshold.value = 6.0
    assert view.truth() == (["insider refunds", "stolen card", "account takeover"], [], [])
    assert "✔ no false alarms" in view.score.value
    view.threshold.value = 10.0
    assert view.truth()[1] == ["account takeover"]
    assert "✘ missed" in view.score.value


def test_a_higher_limit_for_new_addresses_leaves_the_stolen_card_to_the_amount_rule():
    view = day_view(threshold=30.0)
    view.run()
    assert "stolen card" in view.truth()[0]
    view.high_value.value = 500  # the stolen card spent 480
    assert "stolen card" in view.truth()[1]


def test_the_feed_can_watch_any_chain_with_a_next_block_button():
    shop, insider = Wallet.from_seed("shop"), Wallet.from_seed("insider")
    chain = Blockchain.proof_of_authority([Wallet.from_seed("platform")],
                                          allocations={shop.address: 1_000})
    view = MonitorView(chain, shops=[shop.address], names={shop.address: "shop"})
    assert view.arrive_button.disabled and view.score.value == ""
    for amount in (35, 40, 45):
        chain.submit(shop.pay(insider.address, amount, chain=chain))
        view.step_button.click()
    assert [a.rule for a in view.monitor.alerts] == ["rapid refunds"]
    assert "Block 3 ·" in view.status.value


def test_the_same_state_draws_the_same_html():
    a, b = day_view(), day_view()
    for view in (a, b):
        for _ in range(16):
            view.step()
        view.arrive()
    assert (a.status.value, a.feed.value, a.score.value) == \
        (b.status.value, b.feed.value, b.score.value)
    drawn = a.feed.value
    a.refresh()
    assert a.feed.value == drawn and "mc-alert" in drawn


def test_every_severity_says_its_name():
    assert "▲▲ HIGH" in severity_badge(Severity.HIGH)
    assert "▲ MEDIUM" in severity_badge(Severity.MEDIUM)
    assert "● LOW" in severity_badge(Severity.LOW)


def test_names_in_alerts_are_escaped():
    view = day_view()
    view.run()
    card = alert_card(view.monitor.alerts[0], {Wallet.from_seed("insider").address: "<b>eve"})
    assert "<b>eve" not in card and "&lt;b&gt;eve" in card
