// The page's side of the analysis worker: one promise per request.
import type { Opened, Reply, Request, Source } from "./protocol.js";
import type { AnalyzeReport, FixReport } from "./report.js";

type Pending = { resolve: (r: Reply) => void; reject: (e: Error) => void; progress?: (loaded: number, total: number) => void };

export class Analyser {
  private worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  private next = 1;
  private pending = new Map<number, Pending>();
  /** Resolves with the module's version once the worker has loaded it. */
  readonly ready: Promise<string>;
  private onReady: Pending = { resolve: () => {}, reject: () => {} };

  constructor() {
    this.ready = new Promise((resolve, reject) => {
      this.onReady = {
        resolve: (r) => (r.type === "ready" ? resolve(r.version) : reject(new Error("unexpected answer"))),
        reject,
      };
    });
    this.pending.set(0, this.onReady);
    this.worker.onmessage = (e: MessageEvent<Reply>) => this.receive(e.data);
    this.worker.onerror = (e) => {
      const error = new Error(`the analyser stopped: ${e.message || "it could not be loaded"}`);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
  }

  private receive(r: Reply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    if (r.type === "progress") {
      p.progress?.(r.loaded, r.total);
      return;
    }
    this.pending.delete(r.id);
    if (r.type === "error") p.reject(new Error(r.message));
    else p.resolve(r);
  }

  private send(request: Omit<Request, "id"> & { type: Request["type"] }, progress?: Pending["progress"]): Promise<Reply> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, progress });
      this.worker.postMessage({ ...request, id } as Request);
    });
  }

  async open(source: Source, progress?: Pending["progress"]): Promise<Opened> {
    const r = await this.send({ type: "open", source } as Request, progress);
    if (r.type !== "opened") throw new Error("unexpected answer from the analyser");
    return r.opened;
  }

  async analyze(options: object, levels: number[]): Promise<AnalyzeReport> {
    const r = await this.send({ type: "analyze", options, levels } as Request);
    if (r.type !== "analysis") throw new Error("unexpected answer from the analyser");
    return r.report;
  }

  /** NNAPI at `levels` and both GPU delegates, as `analyze --delegate all`. */
  async analyzeAll(options: object, levels: number[], gpu: object): Promise<AnalyzeReport> {
    const r = await this.send({ type: "analyze-all", options, levels, gpu } as Request);
    if (r.type !== "analysis") throw new Error("unexpected answer from the analyser");
    return r.report;
  }

  /** One GPU delegate ("gpu" or "litert-gpu"), as `analyze --delegate gpu|litert-gpu`. */
  async analyzeGpu(delegate: string, gpu: object): Promise<AnalyzeReport> {
    const r = await this.send({ type: "analyze-gpu", delegate, gpu } as Request);
    if (r.type !== "analysis") throw new Error("unexpected answer from the analyser");
    return r.report;
  }

  async fix(options: object): Promise<FixReport> {
    const r = await this.send({ type: "fix", options } as Request);
    if (r.type !== "fixed") throw new Error("unexpected answer from the analyser");
    return r.report;
  }

  /** The last fix report as Markdown (the CLI's `fix --format md`). */
  async fixMarkdown(): Promise<string> {
    const r = await this.send({ type: "fix-markdown" } as Request);
    if (r.type !== "markdown") throw new Error("unexpected answer from the analyser");
    return r.text;
  }

  /** The bytes of the last fixed model. */
  async fixedBytes(): Promise<Uint8Array> {
    const r = await this.send({ type: "fixed-bytes" } as Request);
    if (r.type !== "bytes") throw new Error("unexpected answer from the analyser");
    return r.bytes;
  }

  /** A copy of the open model's bytes. */
  async modelBytes(): Promise<Uint8Array> {
    const r = await this.send({ type: "model-bytes" } as Request);
    if (r.type !== "bytes") throw new Error("unexpected answer from the analyser");
    return r.bytes;
  }
}
