// The graph of one subgraph (ops as nodes, tensors as edges, the subgraph's inputs and outputs as
// small end nodes) and its layered layout by dagre (@dagrejs/dagre, MIT), which is vendored into
// dist/vendor/ by scripts/build.sh and loaded only when the graph is first opened.
import type * as Dagre from "@dagrejs/dagre";
import type { InspectReport, TensorRef } from "./report.js";

/** One subgraph of the inspect report: what a layout needs (and what the layout worker is sent). */
export type SubgraphReport = InspectReport["subgraphs"][number];

type DagreModule = typeof Dagre;

export const OP_W = 168;
export const OP_H = 26;
const END_W = 120;
const END_H = 18;

/** A node of the drawn graph: an op, or a subgraph input/output ("end"). */
export interface GraphNode {
  id: string;
  kind: "op" | "input" | "output";
  /** The op's index in its subgraph (ops only). */
  op?: number;
  label: string;
  width: number;
  height: number;
  x: number;
  y: number;
}

/** An edge: one tensor from its producer (an op or an input) to one reader (an op or an output). */
export interface GraphEdge {
  from: string;
  to: string;
  tensor: TensorRef;
  points: { x: number; y: number }[];
}

export interface Layout {
  subgraph: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  width: number;
  height: number;
  /** Milliseconds spent in dagre's layout. */
  ms: number;
}

let dagre: Promise<DagreModule> | null = null;

/** The layout library, fetched from dist/vendor/ the first time (never from the network). */
export function loadLayoutLibrary(): Promise<DagreModule> {
  // A variable specifier: tsc must not resolve it against web/, the browser resolves it against this file.
  const url = "./vendor/dagre.esm.js";
  dagre ??= (import(url) as Promise<DagreModule>).catch((e: unknown) => {
    dagre = null;
    throw e;
  });
  return dagre;
}

const opId = (i: number) => `op${i}`;

function endNode(kind: "input" | "output", t: TensorRef): GraphNode {
  return { id: `${kind}${t.index}`, kind, label: t.name, width: END_W, height: END_H, x: 0, y: 0 };
}

/** The nodes and edges of subgraph `s` (positions not yet set). */
export function buildGraph(s: SubgraphReport): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodes: GraphNode[] = s.inputs.map((t) => endNode("input", t));
  const producer = new Map<number, string>(s.inputs.map((t) => [t.index, `input${t.index}`]));
  s.operators.forEach((op, i) => {
    nodes.push({ id: opId(i), kind: "op", op: i, label: `${i} ${op.op}`, width: OP_W, height: OP_H, x: 0, y: 0 });
    for (const t of op.outputs) producer.set(t.index, opId(i));
  });
  const edges: GraphEdge[] = [];
  const link = (t: TensorRef, to: string) => {
    const from = producer.get(t.index);
    if (from !== undefined && from !== to) edges.push({ from, to, tensor: t, points: [] });
  };
  s.operators.forEach((op, i) => {
    // An op reading one tensor twice (ADD(x, x)) gets one edge.
    const seen = new Set<number>();
    for (const t of op.inputs) {
      if (t && !t.const && !seen.has(t.index)) {
        seen.add(t.index);
        link(t, opId(i));
      }
    }
  });
  for (const t of s.outputs) {
    const end = endNode("output", t);
    nodes.push(end);
    link(t, end.id);
  }
  return { nodes, edges };
}

/**
 * Ranks every node as early as its inputs allow (longest path from the sources, in a topological
 * order), in O(nodes + edges); then moves the nodes that no subgraph input reaches (ops on constants
 * only, such as the DEQUANTIZE of an fp16 weight) as late as their readers allow, so that they sit
 * just above the op they feed instead of in the first rank with an edge across the whole graph.
 * dagre's own rankers are far slower on 700-op models (network simplex takes seconds), and "as early
 * as possible" keeps a head next to the block it reads from.
 * Called by dagre after it has made the graph acyclic, with its edges' `minlen`.
 */
function rankAsEarlyAsPossible(g: LayoutGraph): void {
  const ids = g.nodes();
  const index = new Map(ids.map((v, i) => [v, i]));
  const pending = new Array<number>(ids.length).fill(0);
  const out: [number, number][][] = ids.map(() => []);
  for (const e of g.edges()) {
    const a = index.get(e.v);
    const b = index.get(e.w);
    if (a === undefined || b === undefined) continue;
    out[a].push([b, g.edge(e)?.minlen ?? 1]);
    pending[b]++;
  }
  const rank = new Array<number>(ids.length).fill(0);
  const fed = ids.map((v) => v.startsWith("input"));
  const order = ids.map((_, i) => i).filter((i) => pending[i] === 0);
  for (let q = 0; q < order.length; q++) {
    const a = order[q];
    for (const [b, minlen] of out[a]) {
      rank[b] = Math.max(rank[b], rank[a] + minlen);
      fed[b] ||= fed[a];
      if (--pending[b] === 0) order.push(b);
    }
  }
  for (let q = order.length - 1; q >= 0; q--) {
    const a = order[q];
    if (fed[a] || out[a].length === 0) continue;
    rank[a] = Math.min(...out[a].map(([b, minlen]) => rank[b] - minlen));
  }
  ids.forEach((v, i) => {
    const label = g.node(v);
    if (label) label.rank = rank[i];
  });
}

type LayoutGraph = Dagre.graphlib.Graph<Dagre.GraphLabel, Dagre.NodeLabel, Dagre.EdgeLabel>;
/** Down and up sweeps of the crossing reduction; the best order seen is kept. */
const ORDER_SWEEPS = 8;

/** Edge crossings between two adjacent layers: pairs of edges whose ends are in opposite orders. */
function crossingsBetween(upper: number[], lower: number[][], pos: Int32Array): number {
  const ends: [number, number][] = [];
  for (const v of upper) for (const w of lower[v]) ends.push([pos[v], pos[w]]);
  let count = 0;
  for (let i = 0; i < ends.length; i++) {
    for (let j = i + 1; j < ends.length; j++) {
      const [a, b] = ends[i];
      const [c, d] = ends[j];
      if ((a - c) * (b - d) < 0) count++;
    }
  }
  return count;
}

/**
 * Orders the nodes within each rank: a depth-first first order, then barycentre sweeps (each node
 * moved to the mean position of its neighbours in the rank above, then below), keeping the order
 * with the fewest crossings. The same idea as dagre's own order step, on plain arrays: dagre's
 * builds a graph per rank and sweep, most of its time on a 700-op model.
 * Called by dagre after it has split long edges, so every edge joins adjacent ranks.
 */
function orderByBarycentre(g: LayoutGraph): void {
  const ids = g.nodes();
  const index = new Map(ids.map((v, i) => [v, i]));
  const rank = ids.map((v) => g.node(v)?.rank ?? 0);
  const down: number[][] = ids.map(() => []);
  const up: number[][] = ids.map(() => []);
  for (const e of g.edges()) {
    const a = index.get(e.v);
    const b = index.get(e.w);
    if (a === undefined || b === undefined || rank[b] !== rank[a] + 1) continue;
    down[a].push(b);
    up[b].push(a);
  }
  const minRank = Math.min(...rank);
  const layers: number[][] = Array.from({ length: Math.max(...rank) - minRank + 1 }, () => []);
  // First order: depth first from the sources, in the order the nodes were added (op order).
  const seen = new Uint8Array(ids.length);
  const visit = (start: number) => {
    const stack = [start];
    while (stack.length > 0) {
      const v = stack.pop() as number;
      if (seen[v]) continue;
      seen[v] = 1;
      layers[rank[v] - minRank].push(v);
      for (let k = down[v].length - 1; k >= 0; k--) if (!seen[down[v][k]]) stack.push(down[v][k]);
    }
  };
  ids.forEach((_, v) => up[v].length === 0 && visit(v));
  ids.forEach((_, v) => visit(v));
  const pos = new Int32Array(ids.length);
  const place = () => layers.forEach((layer) => layer.forEach((v, i) => (pos[v] = i)));
  const crossings = () => layers.reduce((sum, layer, r) => (r + 1 < layers.length ? sum + crossingsBetween(layer, down, pos) : sum), 0);
  place();
  let best = layers.map((l) => [...l]);
  let fewest = crossings();
  for (let sweep = 0; sweep < ORDER_SWEEPS && fewest > 0; sweep++) {
    const goingDown = sweep % 2 === 0;
    const neighbours = goingDown ? up : down;
    const order = goingDown ? layers.keys() : [...layers.keys()].reverse();
    for (const r of order) {
      const layer = layers[r];
      const centre = new Map<number, number>();
      for (const v of layer) {
        const ns = neighbours[v];
        centre.set(v, ns.length ? ns.reduce((s, n) => s + pos[n], 0) / ns.length : pos[v]);
      }
      layer.sort((a, b) => (centre.get(a) ?? 0) - (centre.get(b) ?? 0) || pos[a] - pos[b]);
      layer.forEach((v, i) => (pos[v] = i));
    }
    const c = crossings();
    if (c < fewest) {
      fewest = c;
      best = layers.map((l) => [...l]);
    }
  }
  best.forEach((layer) =>
    layer.forEach((v, i) => {
      const label = g.node(ids[v]);
      if (label) label.order = i;
    }),
  );
}

/** Lays out subgraph `s` top to bottom. */
export function layoutGraph(lib: DagreModule, s: SubgraphReport): Layout {
  const { nodes, edges } = buildGraph(s);
  const t0 = performance.now();
  const g = new lib.graphlib.Graph<Dagre.GraphLabel, Dagre.NodeLabel, Dagre.EdgeLabel>({ multigraph: true });
  // dagre calls a function given as `ranker` (its types list only the built-in names).
  g.setGraph({ rankdir: "TB", nodesep: 16, ranksep: 26, marginx: 12, marginy: 12, ranker: rankAsEarlyAsPossible as unknown as "tight-tree" });
  for (const n of nodes) g.setNode(n.id, { width: n.width, height: n.height });
  edges.forEach((e, k) => g.setEdge(e.from, e.to, {}, String(k)));
  lib.layout(g, { customOrder: (graph) => orderByBarycentre(graph) });
  const ms = performance.now() - t0;
  for (const n of nodes) {
    const p = g.node(n.id);
    n.x = (p?.x ?? 0) - n.width / 2;
    n.y = (p?.y ?? 0) - n.height / 2;
  }
  edges.forEach((e, k) => (e.points = g.edge(e.from, e.to, String(k))?.points ?? []));
  const label = g.graph();
  return { subgraph: s.index, nodes, edges, width: label.width ?? 0, height: label.height ?? 0, ms };
}
