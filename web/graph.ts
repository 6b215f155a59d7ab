// A graph view of the primary subgraph, coloured by partition: a simple layered layout (each op one
// row below the deepest op it reads from), drawn as SVG. Enough for models with a mostly
// sequential structure such as DeepLab; very large graphs are summarised instead of drawn.
import { byId, clear } from "./dom.js";
import type { InspectReport, TargetReport } from "./report.js";

const SVG = "http://www.w3.org/2000/svg";
const MAX_NODES = 2000;
const W = 170;
const H = 24;
const GAP_X = 18;
const GAP_Y = 22;
const KERNEL_COLOURS = ["#1b7f3b", "#2e8fb3", "#6a5acd", "#0f766e", "#4d7c0f"];

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** Row of each op: one more than the deepest op producing one of its inputs. */
function layers(inspect: InspectReport): number[] {
  const ops = inspect.subgraphs[0]?.operators ?? [];
  const producer = new Map<number, number>();
  ops.forEach((op, i) => op.outputs.forEach((t) => producer.set(t.index, i)));
  const layer: number[] = [];
  ops.forEach((op, i) => {
    let l = 0;
    for (const t of op.inputs) {
      const p = t ? producer.get(t.index) : undefined;
      if (p !== undefined && p < i) l = Math.max(l, layer[p] + 1);
    }
    layer.push(l);
  });
  return layer;
}

/** Fill colour per op: its delegate kernel's colour, or orange on the CPU. */
function colours(a: TargetReport | undefined, n: number): string[] {
  const fill = new Array<string>(n).fill("#d1761f");
  let k = 0;
  for (const row of a?.plan ?? []) {
    if (!row.nodes) continue;
    for (const i of row.nodes) if (i < n) fill[i] = KERNEL_COLOURS[k % KERNEL_COLOURS.length];
    k++;
  }
  return fill;
}

export function renderGraph(inspect: InspectReport, a: TargetReport | undefined): void {
  const box = byId("graph");
  clear(box);
  const ops = inspect.subgraphs[0]?.operators ?? [];
  if (ops.length > MAX_NODES) {
    box.textContent = `The graph has ${ops.length} ops; only graphs up to ${MAX_NODES} ops are drawn. The plan bar and the op table show every op.`;
    return;
  }
  const layer = layers(inspect);
  const column: number[] = [];
  const used = new Map<number, number>();
  layer.forEach((l, i) => {
    column[i] = used.get(l) ?? 0;
    used.set(l, column[i] + 1);
  });
  const width = Math.max(1, ...used.values()) * (W + GAP_X) + GAP_X;
  const height = (Math.max(0, ...layer) + 1) * (H + GAP_Y) + GAP_Y;
  const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Model graph coloured by partition" });
  const pos = (i: number) => ({ x: GAP_X + column[i] * (W + GAP_X), y: GAP_Y + layer[i] * (H + GAP_Y) });
  const producer = new Map<number, number>();
  ops.forEach((op, i) => op.outputs.forEach((t) => producer.set(t.index, i)));
  const edges = svg("g", { class: "edges" });
  ops.forEach((op, i) => {
    for (const t of op.inputs) {
      const p = t ? producer.get(t.index) : undefined;
      if (p === undefined) continue;
      const a0 = pos(p);
      const b0 = pos(i);
      edges.append(svg("path", { d: `M${a0.x + W / 2},${a0.y + H} C${a0.x + W / 2},${b0.y - GAP_Y / 2} ${b0.x + W / 2},${a0.y + H + GAP_Y / 2} ${b0.x + W / 2},${b0.y}` }));
    }
  });
  root.append(edges);
  const fill = colours(a, ops.length);
  ops.forEach((op, i) => {
    const { x, y } = pos(i);
    const g = svg("g", { class: "node", "data-index": i, transform: `translate(${x},${y})` });
    const title = svg("title", {});
    title.textContent = `${i} ${op.op} → ${op.outputs.map((t) => t.name).join(", ")}`;
    const label = svg("text", { x: 8, y: 16 });
    label.textContent = `${i} ${op.op}`;
    g.append(title, svg("rect", { width: W, height: H, rx: 4, fill: fill[i] }), label);
    root.append(g);
  });
  box.append(root);
}
