// One cold layout of graph.json's primary subgraph with the library asked for: "dagre" as the page
// ships it (graph-layout.js: our ranker), "dagre-default" (dagre's own network-simplex ranker) or
// "elk" (elkjs's layered algorithm, top to bottom). The same nodes and edges for each.
import { buildGraph, layoutGraph, loadLayoutLibrary } from "./graph-layout.js";

async function layoutElk(inspect) {
  const { nodes, edges } = buildGraph(inspect.subgraphs[0]);
  const t0 = performance.now();
  const elk = new window.ELK();
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  await elk.layout({
    id: "root",
    layoutOptions: { "elk.algorithm": "layered", "elk.direction": "DOWN" },
    children: nodes.map((n) => ({ id: n.id, width: n.width, height: n.height })),
    edges: edges.map((e, k) => ({ id: `e${k}`, sources: [e.from], targets: [e.to] })),
  });
  return { loadMs, layoutMs: performance.now() - t1, nodes: nodes.length, edges: edges.length };
}

async function layoutDagreDefault(inspect) {
  const t0 = performance.now();
  const lib = await loadLayoutLibrary();
  const loadMs = performance.now() - t0;
  const { nodes, edges } = buildGraph(inspect.subgraphs[0]);
  const t1 = performance.now();
  const g = new lib.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "TB", nodesep: 16, ranksep: 26 });
  for (const n of nodes) g.setNode(n.id, { width: n.width, height: n.height });
  edges.forEach((e, k) => g.setEdge(e.from, e.to, {}, String(k)));
  lib.layout(g);
  return { loadMs, layoutMs: performance.now() - t1, nodes: nodes.length, edges: edges.length };
}

async function layoutDagreShipped(inspect) {
  const t0 = performance.now();
  const lib = await loadLayoutLibrary();
  const loadMs = performance.now() - t0;
  const layout = layoutGraph(lib, inspect.subgraphs[0]);
  return { loadMs, layoutMs: layout.ms, nodes: layout.nodes.length, edges: layout.edges.length };
}

window.runLayout = async (library) => {
  const inspect = await (await fetch("graph.json")).json();
  if (library === "elk") return layoutElk(inspect);
  if (library === "dagre-default") return layoutDagreDefault(inspect);
  return layoutDagreShipped(inspect);
};
