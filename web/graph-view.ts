// Draws a laid-out graph as SVG inside a viewport that pans (drag) and zooms (wheel, buttons).
// Every name from the model goes into text nodes (textContent), never into markup.
import type { GraphEdge, GraphNode, Layout } from "./graph-layout.js";

const SVG = "http://www.w3.org/2000/svg";
const MIN_SCALE = 0.02;
const MAX_SCALE = 4;
/** Pointer travel (px) after which a press is a drag, not a click. */
const DRAG_SLOP = 4;
/** Below this scale the labels are hidden. */
const LABEL_SCALE = 0.3;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** A smooth path through dagre's edge points (quadratic curves through the midpoints). */
function edgePath(points: { x: number; y: number }[]): string {
  if (points.length === 0) return "";
  const f = (n: number) => n.toFixed(1);
  let d = `M${f(points[0].x)},${f(points[0].y)}`;
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i];
    const q = points[i + 1];
    d += ` Q${f(p.x)},${f(p.y)} ${f((p.x + q.x) / 2)},${f((p.y + q.y) / 2)}`;
  }
  const last = points[points.length - 1];
  return `${d} L${f(last.x)},${f(last.y)}`;
}

export interface ViewCallbacks {
  /** Text lines for the tooltip of op `op` (first line: the heading). */
  describe(op: number): string[];
  /** Op `op` was clicked (not dragged). */
  pick(op: number): void;
}

/** One drawn graph: its SVG, the elements of its ops and edges, and the pan/zoom state. */
export class GraphView {
  readonly root: SVGSVGElement;
  private readonly scene: SVGGElement;
  private readonly opNodes = new Map<number, SVGGElement>();
  private readonly edgeEls: { edge: GraphEdge; path: SVGPathElement }[] = [];
  private x = 0;
  private y = 0;
  private k = 1;
  private frame = 0;

  constructor(
    private readonly host: HTMLElement,
    private readonly tooltip: HTMLElement,
    readonly layout: Layout,
    private readonly on: ViewCallbacks,
  ) {
    this.root = svg("svg", {
      class: "graph-svg",
      role: "img",
      tabindex: 0,
      "aria-label": `Graph of subgraph ${layout.subgraph}; arrow keys pan, + and − zoom, 0 fits`,
    });
    this.scene = svg("g", { class: "scene" });
    this.root.append(this.defs(), this.scene);
    this.drawEdges();
    this.drawNodes();
    this.wire();
  }

  private defs(): SVGDefsElement {
    const defs = svg("defs");
    const marker = svg("marker", { id: "graph-arrow", viewBox: "0 0 8 8", refX: 7, refY: 4, markerWidth: 6, markerHeight: 6, orient: "auto" });
    marker.append(svg("path", { d: "M0,0 L8,4 L0,8 z", class: "arrow" }));
    defs.append(marker);
    return defs;
  }

  private drawEdges(): void {
    const group = svg("g", { class: "edges" });
    for (const edge of this.layout.edges) {
      const path = svg("path", { d: edgePath(edge.points), "marker-end": "url(#graph-arrow)", "data-tensor": edge.tensor.index });
      const title = svg("title");
      title.textContent = `${edge.tensor.name} ${edge.tensor.type.toLowerCase()}[${edge.tensor.shape.join(",")}]`;
      path.append(title);
      group.append(path);
      this.edgeEls.push({ edge, path });
    }
    this.scene.append(group);
  }

  private drawNode(n: GraphNode): SVGGElement {
    const g = svg("g", { class: n.kind === "op" ? "node" : `end ${n.kind}`, transform: `translate(${n.x.toFixed(1)},${n.y.toFixed(1)})` });
    g.append(svg("rect", { width: n.width, height: n.height, rx: n.kind === "op" ? 4 : n.height / 2 }));
    const text = svg("text", { x: n.kind === "op" ? 8 : n.width / 2, y: n.height / 2 + 4 });
    // Long names are cut to the box; the tooltip and the op table have them in full.
    text.textContent = n.label.length > 22 ? `${n.label.slice(0, 21)}…` : n.label;
    g.append(text);
    if (n.op !== undefined) {
      g.dataset.index = String(n.op);
      this.opNodes.set(n.op, g);
    } else {
      const title = svg("title");
      title.textContent = `${n.kind} ${n.label}`;
      g.append(title);
    }
    return g;
  }

  private drawNodes(): void {
    const group = svg("g", { class: "nodes" });
    for (const n of this.layout.nodes) group.append(this.drawNode(n));
    this.scene.append(group);
  }

  /** Fills op `op` with `colour` and tags it with its placement `key` (for tests and CSS). */
  colourOp(op: number, colour: string, key: string): void {
    const g = this.opNodes.get(op);
    if (!g) return;
    g.querySelector("rect")?.setAttribute("fill", colour);
    g.dataset.placement = key;
  }

  /** Marks the edges whose two ends run in different places (partition boundaries). */
  markCrossings(keyOf: (nodeId: string) => string | undefined): void {
    for (const { edge, path } of this.edgeEls) {
      const a = keyOf(edge.from);
      const b = keyOf(edge.to);
      path.classList.toggle("crossing", a !== undefined && b !== undefined && a !== b);
    }
  }

  /** Highlights the ops in `ops` and the edges of tensors in `tensors`; returns nothing. */
  mark(ops: Set<number>, tensors: Set<number>): void {
    for (const [i, g] of this.opNodes) g.classList.toggle("match", ops.has(i));
    for (const { edge, path } of this.edgeEls) path.classList.toggle("match", tensors.has(edge.tensor.index));
  }

  opNode(op: number): SVGGElement | undefined {
    return this.opNodes.get(op);
  }

  // --- viewport ---

  private apply(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.scene.setAttribute("transform", `translate(${this.x.toFixed(1)},${this.y.toFixed(1)}) scale(${this.k.toFixed(4)})`);
      this.root.dataset.scale = this.k.toFixed(3);
      // Labels are unreadable this small; not painting them keeps zooming smooth.
      this.root.classList.toggle("far", this.k < LABEL_SCALE);
    });
  }

  /**
   * Shows the graph's top: all of its width when that leaves labels readable (scale ≥ 0.5), else
   * centred on the first node (a subgraph input), where reading starts.
   */
  fit(): void {
    const w = this.host.clientWidth || 800;
    const width = this.layout.width || 1;
    this.k = Math.min(1, Math.max(w / width, 0.5));
    const first = this.layout.nodes[0];
    this.x = width * this.k <= w || !first ? (w - width * this.k) / 2 : w / 2 - (first.x + first.width / 2) * this.k;
    this.y = 0;
    this.apply();
  }

  /** Zooms by `factor` about the point (`cx`, `cy`) of the viewport (its centre by default). */
  zoomBy(factor: number, cx = this.host.clientWidth / 2, cy = this.host.clientHeight / 2): void {
    const k = Math.min(MAX_SCALE, Math.max(MIN_SCALE, this.k * factor));
    this.x = cx - ((cx - this.x) * k) / this.k;
    this.y = cy - ((cy - this.y) * k) / this.k;
    this.k = k;
    this.apply();
  }

  panBy(dx: number, dy: number): void {
    this.x += dx;
    this.y += dy;
    this.apply();
  }

  /** Centres op `op` in the viewport, zooming in to at least 0.8 so its label is readable. */
  centreOn(op: number): void {
    const n = this.layout.nodes.find((m) => m.op === op);
    if (!n) return;
    this.k = Math.max(this.k, 0.8);
    this.x = this.host.clientWidth / 2 - (n.x + n.width / 2) * this.k;
    this.y = this.host.clientHeight / 2 - (n.y + n.height / 2) * this.k;
    this.apply();
  }

  private wire(): void {
    let press: { x: number; y: number; dragged: boolean } | null = null;
    this.root.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      press = { x: e.clientX, y: e.clientY, dragged: false };
    });
    this.root.addEventListener("pointermove", (e) => {
      if (press) {
        const dx = e.clientX - press.x;
        const dy = e.clientY - press.y;
        if (!press.dragged && Math.hypot(dx, dy) < DRAG_SLOP) return;
        if (!press.dragged) {
          press.dragged = true;
          this.root.setPointerCapture(e.pointerId);
          this.root.classList.add("panning");
          this.hideTooltip();
        }
        press.x = e.clientX;
        press.y = e.clientY;
        this.panBy(dx, dy);
        return;
      }
      this.hover(e);
    });
    const release = (e: PointerEvent) => {
      const wasDrag = press?.dragged ?? false;
      press = null;
      this.root.classList.remove("panning");
      if (this.root.hasPointerCapture(e.pointerId)) this.root.releasePointerCapture(e.pointerId);
      if (!wasDrag && e.type === "pointerup") {
        const op = this.opAt(e.target);
        if (op !== undefined) this.on.pick(op);
      }
    };
    this.root.addEventListener("pointerup", release);
    this.root.addEventListener("pointercancel", release);
    this.root.addEventListener("pointerleave", () => this.hideTooltip());
    this.root.addEventListener("keydown", (e) => this.key(e));
    this.root.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const box = this.host.getBoundingClientRect();
        this.zoomBy(Math.exp(-e.deltaY * 0.0015), e.clientX - box.left, e.clientY - box.top);
      },
      { passive: false },
    );
  }

  /** Arrow keys pan, + and − zoom, 0 goes back to the first view. */
  private key(e: KeyboardEvent): void {
    const step = 80;
    const moves: Record<string, () => void> = {
      ArrowLeft: () => this.panBy(step, 0),
      ArrowRight: () => this.panBy(-step, 0),
      ArrowUp: () => this.panBy(0, step),
      ArrowDown: () => this.panBy(0, -step),
      "+": () => this.zoomBy(1.25),
      "=": () => this.zoomBy(1.25),
      "-": () => this.zoomBy(0.8),
      "0": () => this.fit(),
    };
    const move = moves[e.key];
    if (!move) return;
    e.preventDefault();
    move();
  }

  private opAt(target: EventTarget | null): number | undefined {
    const g = target instanceof Element ? target.closest("g.node") : null;
    const i = g instanceof SVGGElement ? Number(g.dataset.index) : NaN;
    return Number.isInteger(i) ? i : undefined;
  }

  private hover(e: PointerEvent): void {
    const op = this.opAt(e.target);
    if (op === undefined) {
      this.hideTooltip();
      return;
    }
    if (this.tooltip.dataset.op !== String(op)) {
      const [head, ...lines] = this.on.describe(op);
      const strong = document.createElement("strong");
      strong.textContent = head ?? "";
      const rest = lines.map((l) => {
        const div = document.createElement("div");
        div.textContent = l;
        if (l.startsWith("Refused: ")) div.className = "reason";
        return div;
      });
      this.tooltip.replaceChildren(strong, ...rest);
      this.tooltip.dataset.op = String(op);
    }
    const box = this.host.getBoundingClientRect();
    this.tooltip.hidden = false;
    const left = Math.min(e.clientX - box.left + 14, box.width - this.tooltip.offsetWidth - 4);
    this.tooltip.style.left = `${Math.max(0, left)}px`;
    this.tooltip.style.top = `${e.clientY - box.top + 14}px`;
  }

  private hideTooltip(): void {
    this.tooltip.hidden = true;
    delete this.tooltip.dataset.op;
  }
}
