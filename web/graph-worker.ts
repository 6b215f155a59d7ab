// The graph view's layout worker: dagre runs here, so the page stays responsive while a large
// subgraph is laid out (a 700-op model takes a few hundred ms, a 4,000-op one seconds).
import { layoutGraph, loadLayoutLibrary, type Layout, type SubgraphReport } from "./graph-layout.js";

export interface LayoutRequest {
  id: number;
  subgraph: SubgraphReport;
}

export type LayoutReply = { id: number; layout: Layout; loadMs: number } | { id: number; error: string };

interface WorkerScope {
  postMessage(message: LayoutReply): void;
  onmessage: ((e: MessageEvent<LayoutRequest>) => void) | null;
}
const scope = self as unknown as WorkerScope;

scope.onmessage = async (e) => {
  const { id, subgraph } = e.data;
  try {
    const t0 = performance.now();
    const lib = await loadLayoutLibrary();
    const loadMs = performance.now() - t0;
    scope.postMessage({ id, layout: layoutGraph(lib, subgraph), loadMs });
  } catch (err) {
    scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};
