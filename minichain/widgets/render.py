"""The pure drawing layer: functions that turn chain objects into HTML and SVG text.

Nothing here touches ipywidgets, the clock or randomness: the same arguments always give the
same bytes, so strict nbval can compare a lesson's output on every machine, offline. Every piece
of text that a person may have typed goes through `html.escape` (see `esc`).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from minichain import names as names_module
from minichain.clock import date_text
from minichain.language import person, say, translate
from minichain.receipt import field_text
from minichain.widgets import style as s

__all__ = ["badge", "banner", "esc", "listing", "name_of", "panel", "short_hex", "table"]


def esc(value: object) -> str:
    """Text made safe for HTML and SVG (quotes included)."""
    return html.escape(str(value), quote=True)


def short_hex(value: bytes | str, n: int = 12) -> str:
    """The first `n` hex digits of a hash, with an ellipsis."""
    text = value.hex() if isinstance(value, bytes) else str(value)
    return text[:n] + "…" if len(text) > n else text


def name_of(address: str, names: Mapping[str, str] | None = None) -> str:
    """A person's name for an address: from `names` if given there, else from the address book
    in use, else its short form '0x3F2a…9c1D'; the lessons' people in the reader's language."""
    if names and address in names:
        return person(names[address])
    return names_module.name_of(address)


def listing(items: Iterable[object]) -> str:
    """Names or numbers one after the other: '1, 2, 3' (in Chinese '1、2、3')."""
    # TRANSLATORS: the separator between the items of a list of names or numbers.
    return translate(", ").join(str(item) for item in items)


def badge(ok: bool, good: str | None = None, bad: str | None = None) -> str:
    """A label that says its state in words and a symbol, not only in colour ("✔ valid" and
    "✘ tampered" unless told otherwise)."""
    if ok:
        word = translate("valid") if good is None else good
    else:
        word = translate("tampered") if bad is None else bad
    colour, mark = (s.GOOD, "✔") if ok else (s.BAD, "✘")
    return (f'<span class="mc-badge mc-{"ok" if ok else "bad"}" style="display:inline-block;'
            f'padding:1px 8px;border-radius:10px;border:1px {"solid" if ok else "dashed"} '
            f'{colour};color:{colour};font-weight:600;">{mark} {esc(word)}</span>')


def banner(ok: bool, message: str, *, good: str | None = None, bad: str | None = None) -> str:
    """A one-line outcome: a badge ("✔ done" or "✘ refused" unless told otherwise) and a plain
    sentence (escaped)."""
    good = translate("done") if good is None else good
    bad = translate("refused") if bad is None else bad
    return (f'<div class="mc-banner" style="{s.CSS}{s.status_style(ok)}padding:{s.PAD}px;'
            f'border-radius:{s.RADIUS}px;margin:{s.PAD // 2}px 0;">{badge(ok, good, bad)} '
            f'{esc(message)}</div>')


def panel(title: str, body: str) -> str:
    """A titled box; `body` is HTML already made safe."""
    return (f'<div class="mc-panel" style="{s.CSS}border:1px solid #ccc;border-radius:'
            f'{s.RADIUS}px;padding:{s.PAD}px;margin:{s.PAD // 2}px 0;">'
            f'<div style="font-weight:700;margin-bottom:{s.PAD // 2}px;">{esc(title)}</div>'
            f'{body}</div>')


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
          mono: Sequence[int] = (), raw: Sequence[int] = ()) -> str:
    """An HTML table; cells are escaped unless their column is in `raw` (already HTML)."""
    head = "".join(f'<th style="text-align:left;padding:2px {s.PAD}px;border-bottom:2px solid '
                   f'{s.INK};">{esc(h)}</th>' for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            text = str(cell) if i in raw else esc(cell)
            font = f"font-family:{s.MONO};" if i in mono else ""
            cells.append(f'<td style="padding:2px {s.PAD}px;border-bottom:1px solid #ddd;'
                         f'{font}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        none = translate("(none)")
        body.append(f'<tr><td colspan="{len(headers)}" style="padding:2px {s.PAD}px;color:'
                    f'{s.MUTED};">{esc(none)}</td></tr>')
    return (f'<table class="mc-table" style="{s.CSS}border-collapse:collapse;">'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')


def svg_text(x: float, y: float, text: str, *, size: int = 12, anchor: str = "middle",
             weight: str = "normal", fill: str = s.INK) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}" font-family="{esc(s.FONT)}">{esc(text)}</text>')


# -- chain view ------------------------------------------------------------------------------------

def order_line(tx: Any, names: Mapping[str, str] | None = None) -> str:
    """'customer → shop: 30 (fee 1) "order #1042"' for one transaction."""
    note = tx.data.decode("utf-8", "replace") if tx.data else ""
    sender, recipient = name_of(tx.sender, names), name_of(tx.recipient, names)
    if note:
        return say('{sender} → {recipient}: {amount} (fee {fee}) "{note}"', sender=sender,
                   recipient=recipient, amount=tx.amount, fee=tx.fee, note=note)
    return say("{sender} → {recipient}: {amount} (fee {fee})", sender=sender,
               recipient=recipient, amount=tx.amount, fee=tx.fee)


def block_card(block: Any, status: Any, *, names: Mapping[str, str] | None = None,
               edited: bool = False) -> str:
    """One block as a card: its orders, links and hash, solid green if sealed, dashed red if
    not, with the reasons in words."""
    h = block.header
    orders = "".join(f"<li>{esc(order_line(tx, names))}</li>" for tx in block.transactions)
    no_orders, edited_mark = translate("(no orders)"), translate("(edited)")
    title = say("Block {height}", height=h.height)
    valid, tampered = translate("valid"), translate("tampered")
    orders = f'<ol start="0" style="margin:2px 0 2px 18px;padding:0;">{orders}</ol>' if orders \
        else f'<div style="color:{s.MUTED};">{esc(no_orders)}</div>'
    why = "".join(f"<li>{esc(r)}</li>" for r in status.reasons)
    why = f'<ul style="margin:2px 0 0 18px;padding:0;color:{s.BAD};">{why}</ul>' if why else ""
    mark = f' <span style="color:{s.MUTED};">{esc(edited_mark)}</span>' if edited else ""
    rows = [(translate("previous"), short_hex(h.parent_hash, 16)),
            (translate("Merkle root"), short_hex(h.tx_root, 16)),
            # TRANSLATORS: the proof-of-work nonce of a block header (随机数).
            (translate("nonce"), str(h.nonce)), (translate("hash"), short_hex(h.hash, 16))]
    fields = "".join(f'<div><span style="color:{s.MUTED};display:inline-block;width:92px;">'
                     f'{esc(k)}</span><code style="font-family:{s.MONO};">{esc(v)}</code></div>'
                     for k, v in rows)
    return (f'<div class="mc-block" data-height="{h.height}" data-ok="{str(status.ok).lower()}" '
            f'style="{s.CSS}{s.status_style(status.ok)}border-radius:{s.RADIUS}px;'
            f'padding:{s.PAD}px;margin:{s.PAD // 2}px 0;">'
            f'<div style="font-weight:700;">{esc(title)}{mark} &nbsp; '
            f'{badge(status.ok, valid, tampered)}</div>{orders}{fields}{why}</div>')


def chain_summary(statuses: Sequence[Any]) -> str:
    bad = [st.height for st in statuses if not st.ok]
    if not bad:
        return banner(True, say("All {count} blocks are sealed and linked.",
                                count=len(statuses)), good=translate("valid"))
    return banner(False, say("Blocks {heights} no longer match the chain: seal them again, one "
                             "after the other, to hide the change.", heights=listing(bad)),
                  bad=translate("tampered"))


def merkle_proof_view(block: Any, index: int, proof: Any, root: bytes, ok: bool, *,
                      names: Mapping[str, str] | None = None) -> str:
    """An inclusion proof: the order, the sibling hashes a verifier needs, and the result."""
    tx = block.transactions[index]
    rows = [(translate("order"), order_line(tx, names)),
            (translate("order id (leaf)"), short_hex(tx.txid, 24))]
    rows += [(say("sibling {number}", number=i + 1), short_hex(sib, 24))
             for i, sib in enumerate(proof.siblings)]
    rows.append((translate("Merkle root the chain recorded"), short_hex(root, 24)))
    if ok:
        verdict = say("Order {index} of block {height} is in the block: {count} hashes out of "
                      "{size} orders prove it.", index=index, height=block.height,
                      count=len(proof.siblings), size=proof.size)
    else:
        verdict = say("Order {index} as shown is not the order block {height} recorded: its "
                      "proof does not lead to the recorded Merkle root.", index=index,
                      height=block.height)
    return (table(("", translate("value")), rows, mono=(1,))
            + banner(ok, verdict, good=translate("proven"), bad=translate("not proven")))


# -- miner -----------------------------------------------------------------------------------------

def mining_result(zero_bits: int, target: int, attempts: int, block_hash: bytes) -> str:
    """What one round of mining cost: attempts made (hashes, the energy proxy) against the
    expected 2^bits. No wall-clock time here: that lives in its own label."""
    expected = 2 ** zero_bits
    rows = [(translate("difficulty"),
             say("hash must start with {bits} zero bits", bits=zero_bits)),
            (translate("target"), short_hex(target.to_bytes(32, "big"), 20)),
            (translate("expected attempts"), say("{expected:,} on average", expected=expected)),
            (translate("attempts (hashes computed)"), f"{attempts:,}"),
            (translate("winning hash"), short_hex(block_hash, 20))]
    return table(("", translate("value")), rows, mono=(1,))


# -- wallets and checkout --------------------------------------------------------------------------

def balances(rows: Iterable[tuple[str, str, int, int]], *, addresses: bool = False) -> str:
    """(name, address, balance, nonce) rows as a table: people by name (an account nobody
    named by its short address), with a column of full addresses only if `addresses`."""
    if addresses:
        return table((translate("who"), translate("address"), translate("balance"),
                      translate("payments sent")),
                     [(person(n) if n else n, a, f"{b:,}", k) for n, a, b, k in rows],
                     mono=(1,))
    return table((translate("who"), translate("balance"), translate("payments sent")),
                 [(person(n) if n else name_of(a), f"{b:,}", k) for n, a, b, k in rows])


# -- escrow ----------------------------------------------------------------------------------------

ESCROW_STATES = {  # name: (column, row)
    "CREATED": (0, 0), "FUNDED": (1, 0), "SHIPPED": (2, 0), "COMPLETED": (3, 0),
    "REFUNDED": (0, 1), "DISPUTED": (2, 1), "RESOLVED": (3, 1),
}


def escrow_moves() -> tuple[tuple[str, str, str], ...]:
    """The arrows of the order's state machine: (from, to, label in the language in use)."""
    return (("CREATED", "FUNDED", translate("fund (buyer)")),
            ("FUNDED", "SHIPPED", translate("ship (seller)")),
            ("SHIPPED", "COMPLETED", translate("confirm / release")),
            ("FUNDED", "REFUNDED", translate("cancel / refund")),
            ("FUNDED", "DISPUTED", translate("dispute")),
            ("SHIPPED", "DISPUTED", translate("dispute (buyer)")),
            ("DISPUTED", "RESOLVED", translate("resolve (arbiter)")))


def escrow_state_name(state: str) -> str:
    """An order's state (the contract's CREATED, FUNDED…) as the reader's language writes it;
    a state the escrow does not know is shown as it is."""
    known = {"CREATED": translate("CREATED"), "FUNDED": translate("FUNDED"),
             "SHIPPED": translate("SHIPPED"), "COMPLETED": translate("COMPLETED"),
             "REFUNDED": translate("REFUNDED"), "DISPUTED": translate("DISPUTED"),
             "RESOLVED": translate("RESOLVED")}
    return known.get(state, state)


def escrow_diagram(current: str, visited: Iterable[str] = ()) -> str:
    """The order's state machine as SVG: the current state drawn thick with "▶ now" under it,
    states already passed through marked "✔"."""
    box_w, box_h, gap_x, gap_y, margin = 118, 40, 112, 70, 20
    seen = set(visited)

    def centre(state: str) -> tuple[float, float]:
        col, row = ESCROW_STATES[state]
        return (margin + col * (box_w + gap_x) + box_w / 2,
                margin + row * (box_h + gap_y) + box_h / 2)

    width = margin * 2 + 4 * box_w + 3 * gap_x
    height = margin * 2 + 2 * box_h + gap_y + 16
    title = say("Order state: {state}", state=escrow_state_name(current))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="mc-escrow" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img">',
             f'<title>{esc(title)}</title>',
             '<defs><marker id="mc-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
             'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
             f'<path d="M0,0 L10,5 L0,10 z" fill="{s.NEUTRAL}"/></marker></defs>']
    labels = []  # drawn last, so no box covers them
    for a, b, label in escrow_moves():
        (x1, y1), (x2, y2) = centre(a), centre(b)
        # start and end on the boxes' edges
        dx, dy = x2 - x1, y2 - y1
        scale = min((box_w / 2) / abs(dx) if dx else 1e9, (box_h / 2) / abs(dy) if dy else 1e9)
        sx, sy, ex, ey = x1 + dx * scale, y1 + dy * scale, x2 - dx * scale, y2 - dy * scale
        parts.append(f'<line x1="{sx:.1f}" y1="{sy:.1f}" x2="{ex:.1f}" y2="{ey:.1f}" '
                     f'stroke="{s.NEUTRAL}" stroke-width="1.5" marker-end="url(#mc-arrow)"/>')
        lx, ly = (sx + ex) / 2, (sy + ey) / 2 - 5
        if dx == 0:  # a vertical arrow: the label beside it, not across it
            labels.append(svg_text(lx + 6, ly + 5, label, size=10, anchor="start", fill=s.MUTED))
        else:
            labels.append(svg_text(lx, ly, label, size=10, fill=s.MUTED))
    for state, _ in ESCROW_STATES.items():
        cx, cy = centre(state)
        x, y = cx - box_w / 2, cy - box_h / 2
        now = state == current
        fill = "#dcecf7" if now else ("#eef7f3" if state in seen else s.PAPER)
        stroke = s.BLUE if now else (s.GOOD if state in seen else s.NEUTRAL)
        dash = "" if now or state in seen else ' stroke-dasharray="4 3"'
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{box_w}" height="{box_h}" rx="6" '
                     f'fill="{fill}" stroke="{stroke}" stroke-width="{4 if now else 1.5}"{dash}/>')
        label = ("✔ " if state in seen and not now else "") + escrow_state_name(state)
        parts.append(svg_text(cx, cy + 4, label, size=12, weight="bold" if now else "normal"))
        if now:
            parts.append(svg_text(cx, y + box_h + 14, translate("▶ now"), size=11,
                                  weight="bold", fill=s.BLUE))
    parts += labels
    parts.append("</svg>")
    return "".join(parts)


def events_table(events: Iterable[Any], names: Mapping[str, str] | None = None) -> str:
    """A contract's events, oldest first, addresses shown as names where known."""
    rows = []
    for i, event in enumerate(events, 1):
        fields = ", ".join(f"{k}={name_of(v, names) if isinstance(v, str) else field_text(k, v)}"
                           for k, v in event.fields.items())
        rows.append((i, event.name, fields))
    return table(("#", translate("event"), translate("details")), rows)


# -- explorer --------------------------------------------------------------------------------------

def blocks_table(blocks: Iterable[Any], names: Mapping[str, str] | None = None) -> str:
    return table((translate("height"), translate("hash"), translate("orders"),
                  translate("producer"), translate("reward"), translate("time")),
                 [(b.height, short_hex(b.hash, 16), len(b.transactions),
                   name_of(b.header.coinbase, names), b.header.reward, b.header.timestamp)
                  for b in blocks], mono=(1,))


def transactions_table(block: Any, receipts: Sequence[Any],
                       names: Mapping[str, str] | None = None) -> str:
    rows = []
    for i, tx in enumerate(block.transactions):
        receipt = receipts[i] if i < len(receipts) else None
        outcome = "" if receipt is None else badge(receipt.success, translate("ok"),
                                                   translate("failed"))
        detail = "" if receipt is None else esc(receipt.error or ", ".join(
            str(e) for e in receipt.events))
        rows.append((i, short_hex(tx.txid), esc(name_of(tx.sender, names)),
                     esc(name_of(tx.recipient, names)), tx.amount,
                     tx.fee if receipt is None else receipt.fee, outcome, detail))
    return table(("#", translate("id"), translate("from"), translate("to"), translate("amount"),
                  translate("fee paid"), translate("receipt"), translate("events / error")),
                 rows, mono=(1,), raw=(2, 3, 6, 7))


# -- network ---------------------------------------------------------------------------------------

def tip_groups(tips: Mapping[Any, tuple[int, str]]) -> dict[tuple[int, str], str]:
    """A letter per distinct tip, the highest tip first (ties by hash): same tips, same
    letters, every run."""
    distinct = sorted(set(tips.values()), key=lambda t: (-t[0], t[1]))
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return {tip: letters[i] if i < len(letters) else str(i) for i, tip in enumerate(distinct)}


def label_of(node: Any) -> str:
    """A network node's name as drawn: the lessons' people in the reader's language."""
    return person(str(node))


def network_svg(positions: Mapping[Any, tuple[float, float]],
                edges: Iterable[tuple[Any, Any, bool]], tips: Mapping[Any, tuple[int, str]], *,
                down: Iterable[Any] = (), size: int = 420, caption: str = "") -> str:
    """The network: nodes filled by their tip, with the tip's letter inside (so colour is not
    the only clue); working links solid, cut links dashed; crashed nodes hollow and dashed."""
    groups = tip_groups(tips)
    down = set(down)
    margin = 24
    xs = [p[0] for p in positions.values()] or [0.0]
    ys = [p[1] for p in positions.values()] or [0.0]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0

    def at(name: Any) -> tuple[float, float]:
        x, y = positions[name]
        return (margin + (x - min(xs)) / span * (size - 2 * margin),
                margin + (y - min(ys)) / span * (size - 2 * margin))

    legend_h = 18 * (len(groups) + 1)
    title = caption or translate("network")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="mc-network" width="{size}" '
             f'height="{size + legend_h}" viewBox="0 0 {size} {size + legend_h}" role="img">',
             f'<title>{esc(title)}</title>']
    for a, b, up in edges:
        (x1, y1), (x2, y2) = at(a), at(b)
        style = f'stroke="#999" stroke-width="1"' if up else \
            f'stroke="{s.BAD}" stroke-width="1.5" stroke-dasharray="5 4"'
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" {style}/>')
    for name in sorted(positions, key=str):
        x, y = at(name)
        letter = groups[tips[name]]
        colour = s.PALETTE[(ord(letter[0]) - 65) % len(s.PALETTE)] if letter.isalpha() \
            else s.NEUTRAL
        if name in down:
            title = say("{name}: down", name=label_of(name))
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="11" fill="{s.PAPER}" '
                         f'stroke="{s.NEUTRAL}" stroke-width="2" stroke-dasharray="3 2">'
                         f'<title>{esc(title)}</title></circle>')
            parts.append(svg_text(x, y + 4, "×", size=12, fill=s.NEUTRAL))
        else:
            title = say("{name}: tip {letter}, height {height}", name=label_of(name),
                        letter=letter, height=tips[name][0])
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="11" fill="{colour}" '
                         f'stroke="{s.INK}" stroke-width="1"><title>{esc(title)}</title>'
                         '</circle>')
            parts.append(svg_text(x, y + 4, letter, size=11, weight="bold", fill=s.PAPER))
        parts.append(svg_text(x, y - 14, label_of(name), size=9, fill=s.MUTED))
    y = size + 14
    counts: dict[tuple[int, str], int] = {}
    for tip in tips.values():
        counts[tip] = counts.get(tip, 0) + 1
    parts.append(svg_text(8, y, caption, size=11, anchor="start", weight="bold"))
    for tip, letter in groups.items():
        y += 18
        parts.append(svg_text(8, y, say("{letter}: height {height}, tip {tip} — {count} node(s)",
                                        letter=letter, height=tip[0], tip=tip[1],
                                        count=counts[tip]), size=11, anchor="start"))
    parts.append("</svg>")
    return "".join(parts)


def journey_timeline(verification: Any, names: Mapping[str, str] | None = None) -> str:
    """A lot's custody chain, one row per step, each marked ✔ or ✘ with the reason."""
    rows = []
    for step in verification.steps:
        if step.giver is None:
            who = say("registered by {name}", name=name_of(step.receiver, names))
        else:
            who = f"{name_of(step.giver, names)} → {name_of(step.receiver, names)}"
        document = translate("re-hashed ✔") if step.document_checked \
            else translate("not presented")
        rows.append((step.number, who, step.location, date_text(step.time), document,
                     badge(step.ok, translate("genuine"), translate("broken")) + (
                         f" {esc(step.problem)}" if step.problem else "")))
    return table([translate("step"), translate("who"), translate("where"), translate("time"),
                  translate("document"), translate("check")], rows, raw=(5,))
