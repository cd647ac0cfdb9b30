"""Where the shapes of one BPMN process go: ranks along the flow, lanes as bands, rows within a lane.

Used by ``bpmn_layout.py`` (which writes the diagram interchange); edges and labels are
placed by ``bpmn_routing.py``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DDI = "http://www.omg.org/spec/DD/20100524/DI"
NS = {"bpmn": BPMN, "bpmndi": DI, "dc": DC, "di": DDI}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}
ACTIVITIES = {"task", "userTask", "scriptTask", "serviceTask", "businessRuleTask", "manualTask", "sendTask",
              "receiveTask", "callActivity", "subProcess"}
SIZE = {"event": (36, 36), "gateway": (50, 50), "activity": (100, 80)}
COL, ROW, PAD, POOL_LABEL, MARGIN = 170, 140, 30, 30, 40


def local_name(el) -> str:
    return etree.QName(el).localname


def kind_of(tag: str) -> str | None:
    return "event" if tag in EVENTS else "gateway" if tag in GATEWAYS else "activity" if tag in ACTIVITIES else None


@dataclass
class Node:
    id: str
    tag: str
    name: str
    lane: str
    attached_to: str | None = None
    rank: int = 0
    row: int = 0
    x: float = 0
    y: float = 0
    boundaries: list[str] = field(default_factory=list)

    @property
    def size(self) -> tuple[int, int]:
        return SIZE[kind_of(self.tag)]

    @property
    def box(self) -> tuple[float, float, float, float]:
        w, h = self.size
        return self.x, self.y, self.x + w, self.y + h

    @property
    def cx(self) -> float:
        return self.x + self.size[0] / 2

    @property
    def cy(self) -> float:
        return self.y + self.size[1] / 2


class Layout:
    """The computed geometry of one process: nodes, lanes (id -> (top, height)) and edge waypoints."""

    def __init__(self, process):
        self.process = process
        self.lane_order = [lane.get("id") for lane in process.iterfind(".//bpmn:lane", NS)]
        lane_of = {ref.text.strip(): ref.getparent().get("id") for ref in process.iterfind(".//bpmn:flowNodeRef", NS)}
        default_lane = self.lane_order[0] if self.lane_order else ""
        self.nodes: dict[str, Node] = {}
        for el in process:
            if isinstance(el.tag, str) and kind_of(local_name(el)):
                self.nodes[el.get("id")] = Node(el.get("id"), local_name(el), el.get("name") or "",
                                                lane_of.get(el.get("id"), default_lane), el.get("attachedToRef"))
        for node in self.nodes.values():
            if node.attached_to:
                host = self.nodes[node.attached_to]
                host.boundaries.append(node.id)
                node.lane = host.lane
        self.flows = [(f.get("id"), f.get("sourceRef"), f.get("targetRef"), f.get("name") or "")
                      for f in process.iterfind("bpmn:sequenceFlow", NS)]
        self.back: set[str] = set()
        self.lanes: dict[str, tuple[float, float]] = {}
        self.edges: dict[str, list[tuple[float, float]]] = {}
        self.labels: dict[str, tuple[float, float, float, float]] = {}
        self._rank()
        self._place()

    def rank_of(self, node: Node) -> int:
        """A boundary event's rank is its task's."""
        return self.nodes[node.attached_to].rank if node.attached_to else node.rank

    def _anchor(self, node_id: str) -> str:
        node = self.nodes[node_id]
        return node.attached_to or node_id

    def _rank(self) -> None:
        succ: dict[str, list[tuple[str, str]]] = {n: [] for n in self.nodes}
        for fid, src, dst, _ in self.flows:
            succ[self._anchor(src)].append((fid, dst))
        state: dict[str, int] = {}
        order: list[str] = []

        def visit(start: str) -> None:  # iterative DFS; an edge into the current path is a back edge
            stack = [(start, iter(succ[start]))]
            state[start] = 1
            while stack:
                node, children = stack[-1]
                for fid, dst in children:
                    if state.get(dst) == 1:
                        self.back.add(fid)
                    elif dst not in state:
                        state[dst] = 1
                        stack.append((dst, iter(succ[dst])))
                        break
                else:
                    state[node] = 2
                    order.append(node)
                    stack.pop()

        roots = [n for n, node in self.nodes.items() if node.tag == "startEvent"]
        for node_id in roots + [n for n in self.nodes if not self.nodes[n].attached_to]:
            if node_id not in state:
                visit(node_id)
        for node_id in reversed(order):  # topological order of the graph without back edges
            for fid, dst in succ[node_id]:
                if fid not in self.back:
                    self.nodes[dst].rank = max(self.nodes[dst].rank, self.nodes[node_id].rank + 1)

    def _place(self) -> None:
        preds: dict[str, list[str]] = {n: [] for n in self.nodes}
        for fid, src, dst, _ in self.flows:
            if fid not in self.back:
                preds[dst].append(src)
        taken: dict[tuple[str, int], set[int]] = {}
        rows_used: dict[str, int] = {lane: 1 for lane in self.lane_order}
        for node in sorted((n for n in self.nodes.values() if not n.attached_to), key=lambda n: n.rank):
            wanted = 0
            for pred_id in preds[node.id]:
                pred = self.nodes[pred_id]
                if pred.attached_to:  # an escalation path runs one row below its task
                    host = self.nodes[pred.attached_to]
                    wanted = host.row + 1 if host.lane == node.lane else 0
                    break
                if pred.lane == node.lane:
                    wanted = pred.row
                    break
            used = taken.setdefault((node.lane, node.rank), set())
            row = wanted
            while row in used:
                row += 1
            used.add(row)
            node.row = row
            rows_used[node.lane] = max(rows_used.get(node.lane, 1), row + 1)
        top = MARGIN
        for lane in self.lane_order or [""]:
            height = rows_used.get(lane, 1) * ROW + PAD
            self.lanes[lane] = (top, height)
            top += height
        for node in self.nodes.values():
            if node.attached_to:
                continue
            w, h = node.size
            lane_top = self.lanes[node.lane][0]
            node.x = MARGIN + POOL_LABEL + PAD + node.rank * COL + (100 - w) / 2
            node.y = lane_top + PAD + node.row * ROW + (80 - h) / 2
        for host in self.nodes.values():
            count = len(host.boundaries)
            for i, bid in enumerate(host.boundaries):
                b = self.nodes[bid]
                b.x = host.x + 100 * (i + 1) / (count + 1) - 18
                b.y = host.y + 80 - 18
        self.width = max((n.box[2] for n in self.nodes.values()), default=200) + PAD - MARGIN

    # --- edges -----------------------------------------------------------------------------------
