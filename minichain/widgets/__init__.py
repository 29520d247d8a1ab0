"""Interactive views over minichain for JupyterLab (DESIGN.md section 8).

Each view is a thin ipywidgets layer over the public API; its drawing comes from
`minichain.widgets.render`, pure functions that return the same HTML/SVG for the same state
(so strict nbval can compare lessons' outputs) and need no internet.

    from minichain.widgets import ChainView
    ChainView(chain, names={alice.address: "alice"})
"""

from minichain.widgets.chain_view import ChainView
from minichain.widgets.channel import ChannelView
from minichain.widgets.checkout import CheckoutView
from minichain.widgets.confirmations import ConfirmationsView
from minichain.widgets.escrow import EscrowView
from minichain.widgets.explorer import ExplorerView
from minichain.widgets.journey import ProductJourneyView
from minichain.widgets.miner import MinerView
from minichain.widgets.monitor import MonitorView
from minichain.widgets.network_view import NetworkView
from minichain.widgets.pilot import ChecklistView, PilotAreaChooser, PilotCostView
from minichain.widgets.vote_round import VoteRoundView

__all__ = ["ChainView", "ChannelView", "ChecklistView", "CheckoutView", "ConfirmationsView",
           "EscrowView", "ExplorerView", "MinerView", "MonitorView", "NetworkView",
           "PilotAreaChooser", "PilotCostView", "ProductJourneyView", "VoteRoundView"]
