"""Orthogonal edges and label boxes for a placed ``Layout``.

Each flow tries a few shapes of route (straight, one bend in a free column, along a free
channel between rows, loops underneath) and keeps the one crossing fewest shapes, then
running least on top of other edges, then with fewest bends and shortest length.
"""
from __future__ import annotations

from bpmn_geometry import COL, GATEWAYS, MARGIN, PAD, POOL_LABEL, ROW, Layout, Node, kind_of


def _hits(layout: Layout, points, skip: set[str]) -> int:
    """How many shapes (other than ``skip``) the polyline ``points`` passes through."""
    hits = 0
    for (x1, y1), (x2, y2) in zip(points, points[1:]):
        lo_x, hi_x, lo_y, hi_y = min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
        for node in layout.nodes.values():
            bx1, by1, bx2, by2 = node.box
            if node.id not in skip and lo_x < bx2 + 6 and hi_x > bx1 - 6 and lo_y < by2 + 6 and hi_y > by1 - 6:
                hits += 1
    return hits


def _overlap(layout: Layout, points, *mine: str) -> float:
    """Length the polyline runs on top of routed edges, except those touching ``mine`` (ids of ends or flows)."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:]):
        for (a1, b1), (a2, b2), ends in layout.segments:
            if any(m in ends for m in mine):
                continue
            if x1 == x2 == a1 == a2 or (abs(x1 - a1) < 4 and x1 == x2 and a1 == a2):
                total += max(0, min(max(y1, y2), max(b1, b2)) - max(min(y1, y2), min(b1, b2)))
            elif abs(y1 - b1) < 4 and y1 == y2 and b1 == b2:
                total += max(0, min(max(x1, x2), max(a1, a2)) - max(min(x1, x2), min(a1, a2)))
    return total


def _channels(layout: Layout, near: float) -> list[float]:
    """Free horizontal lines between rows (below each row's boundary events), nearest ``near`` first."""
    lines = []
    for top, height in layout.lanes.values():
        lines += [top + PAD + r * ROW + 80 + 34 for r in range(int((height - PAD) // ROW))]
        lines.append(top + PAD / 2)
    return sorted(set(lines), key=lambda y: abs(y - near))[:6]


def _gaps(layout: Layout, lo: int, hi: int) -> list[float]:
    """x of the empty columns between ranks ``lo`` and ``hi`` (the gap after rank r is at index r)."""
    base = MARGIN + POOL_LABEL + PAD
    return [base + r * COL + 100 + (COL - 100) / 2 for r in range(min(lo, hi) - 1, max(lo, hi) + 1)]


def _candidates(layout: Layout, fid: str, src: Node, dst: Node):
    srank, drank = layout.rank_of(src), dst.rank
    tx, ty = dst.x, dst.cy
    offsets = (0, -10, 10, -20, 20)
    if fid in layout.back or (drank <= srank and not src.attached_to):  # a loop: under (or over) the shapes
        for side in (3, 1):
            sy, dy = src.box[side], dst.box[side]
            for cy in _channels(layout, max(sy, dy) + 30 if side == 3 else min(sy, dy) - 30):
                if (side == 3 and cy > max(sy, dy)) or (side == 1 and cy < min(sy, dy)):
                    yield [(src.cx, sy), (src.cx, cy), (dst.cx, cy), (dst.cx, dy)]
                    for gx in _gaps(layout, drank - 1, drank - 1):
                        yield [(src.cx, sy), (src.cx, cy), (gx, cy), (gx, ty), (tx, ty)]
        return
    if src.attached_to:
        sx, sy = src.cx, src.box[3]
        if ty > sy:
            yield [(sx, sy), (sx, ty), (tx, ty)]
        for cy in _channels(layout, sy + 30):
            if cy > sy:
                for gx in _gaps(layout, drank - 1, drank - 1):
                    for o in offsets:
                        yield [(sx, sy), (sx, cy), (gx + o, cy), (gx + o, ty), (tx, ty)]
        return
    sx, sy = src.box[2], src.cy
    if abs(sy - ty) < 1:
        yield [(sx, sy), (tx, ty)]
    if src.tag in GATEWAYS and abs(sy - ty) >= 1:
        yield [(src.cx, src.box[1] if ty < sy else src.box[3]), (src.cx, ty), (tx, ty)]
    gaps = _gaps(layout, srank + 1, drank - 1)
    for gx in gaps:
        for o in offsets:
            yield [(sx, sy), (gx + o, sy), (gx + o, ty), (tx, ty)]
    for cy in _channels(layout, (sy + ty) / 2):
        for o in offsets:
            yield [(sx, sy), (gaps[0] + o, sy), (gaps[0] + o, cy), (gaps[-1] - o, cy), (gaps[-1] - o, ty), (tx, ty)]


def route(layout: Layout) -> None:
    """Route every flow: fewest shapes crossed, then least overlap with other edges, bends, length."""
    layout.segments = []
    order = sorted(layout.flows, key=lambda f: (f[0] in layout.back, abs(layout.nodes[f[2]].rank
                                                                      - layout.rank_of(layout.nodes[f[1]]))))
    for fid, src_id, dst_id, _ in order:
        src, dst = layout.nodes[src_id], layout.nodes[dst_id]
        skip = {src.id, dst.id}  # a boundary event's line must not run back through its own task
        best, best_score = None, None
        for cand in _candidates(layout, fid, src, dst):
            pts = [(round(x), round(y)) for x, y in cand]
            pts = [p for i, p in enumerate(pts) if i == 0 or p != pts[i - 1]]
            length = sum(abs(a[0] - b[0]) + abs(a[1] - b[1]) for a, b in zip(pts, pts[1:]))
            score = (_hits(layout, pts, skip), _overlap(layout, pts, src_id, dst_id) > 0,
                     len(pts) + length / 400)
            if best_score is None or score < best_score:
                best, best_score = pts, score
        layout.edges[fid] = best
        ends = {src_id, dst_id, src.attached_to, fid}
        layout.segments += [(a, b, ends) for a, b in zip(best, best[1:])]


def place_labels(layout: Layout) -> None:
    """Label boxes: names of events and gateways beside their shape, of flows beside their own line.

    bpmn-js wraps an external label at 90 px and centres it on the box, so boxes are sized that way.
    """
    layout.labels = {}
    taken: list[tuple[float, float, float, float]] = []

    def box_at(cx: float, top: float, name: str) -> tuple[float, float, float, float]:
        width = min(90.0, 12.5 * len(name) + 4)
        height = 15.0 * -(-int(12.5 * len(name) + 4) // 90)
        return cx - width / 2, top, width, height

    for node in layout.nodes.values():
        if not node.name or kind_of(node.tag) == "activity":
            continue
        if node.attached_to:  # beside its outgoing line; two on one task: staggered apart
            host = layout.nodes[node.attached_to]
            index = host.boundaries.index(node.id)
            if len(host.boundaries) == 1:
                box = box_at(node.box[2] + 48, node.box[3] - 6, node.name)
            else:
                box = box_at(node.cx + (-22 if index == 0 else 22), node.box[3] + 2 + 30 * index, node.name)
        else:
            points = {p for pts in layout.edges.values() for p in (pts[0], pts[-1])}
            below_used = (round(node.cx), round(node.box[3])) in points
            above_used = (round(node.cx), round(node.box[1])) in points
            box = box_at(node.cx, node.box[3] + 6, node.name)
            if node.tag in GATEWAYS and below_used:
                box = box_at(node.cx, node.box[1] - 6 - box[3], node.name)
                if above_used:
                    box = box_at(node.box[0] - 4 - box[2] / 2, node.box[1] - box[3], node.name)
        layout.labels[node.id] = box
        taken.append(box)
    for fid, _, _, name in layout.flows:
        if not name:
            continue
        best, best_score = None, None
        points = layout.edges[fid]
        for i, ((x1, y1), (x2, y2)) in enumerate(zip(points, points[1:])):
            shared = _overlap(layout, [(x1, y1), (x2, y2)], fid) > 0
            for frac in (0.0, 0.5):
                px, py = x1 + (x2 - x1) * frac, y1 + (y2 - y1) * frac
                box = box_at(0, 0, name)
                if y1 == y2:
                    cx = px + 6 + box[2] / 2 if x2 >= x1 else px - 6 - box[2] / 2
                    box = box_at(cx, py - box[3] - 2, name)
                else:
                    box = box_at(px + 5 + box[2] / 2, py + 6 if y2 >= y1 else py - 6 - box[3], name)
                score = (_box_hits(layout, box, taken), shared, i, frac)
                if best_score is None or score < best_score:
                    best, best_score = box, score
        layout.labels[fid] = best
        taken.append(best)


def _box_hits(layout: Layout, box, taken) -> int:
    x, y, w, h = box
    others = [n.box for n in layout.nodes.values()] + [(a, b, a + c, b + d) for a, b, c, d in taken]
    return sum(1 for bx1, by1, bx2, by2 in others if x < bx2 and x + w > bx1 and y < by2 and y + h > by1)


# --- writing the DI --------------------------------------------------------------------------------
