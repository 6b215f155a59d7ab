// The analysis worker: reads the model into wasm memory chunk by chunk (with progress) and runs
// inspect / analyze / fix there, so the page never freezes, whatever the model's size.
import init, { Session, version } from "./pkg/delegate_doctor.js";
import type { Opened, Reply, Request, Source } from "./protocol.js";
import type { AnalyzeReport, FixReport } from "./report.js";

interface WorkerScope {
  postMessage(message: Reply, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<Request>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const ready = init();
let session: Session | null = null;
// The last fixed model stays here until the page asks for it (a download), so large models are not
// copied to the page on every option change.
let lastFixed: Uint8Array | null = null;
// Its report as Markdown (rendered by the wasm, as `fix --format md`), for "Copy report".
let lastMarkdown: string | null = null;
// The open model's name, for the Markdown report's heading.
let modelName = "";

function reply(message: Reply, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

async function streamInto(s: Session, stream: ReadableStream<Uint8Array>, total: number, id: number): Promise<void> {
  const reader = stream.getReader();
  let loaded = 0;
  let lastReport = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    s.push(value);
    loaded += value.length;
    if (loaded - lastReport > 4 << 20) {
      reply({ id, type: "progress", loaded, total });
      lastReport = loaded;
    }
  }
}

async function fetchModel(url: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: "omit" });
  } catch {
    throw new Error(
      `the browser could not fetch ${url}: the network is unreachable, or the server does not allow other sites to read the file (CORS)`,
    );
  }
  if (!response.ok) throw new Error(`the server answered ${response.status} ${response.statusText} for ${url}`);
  return response;
}

function nameOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url, location.href).pathname.split("/").pop() || url);
  } catch {
    return url;
  }
}

async function open(source: Source, id: number): Promise<Opened> {
  await ready;
  session?.free();
  session = null;
  lastFixed = null;
  lastMarkdown = null;
  let s: Session;
  let name: string;
  if (source.kind === "file") {
    name = source.file.name;
    s = new Session(source.file.size);
    await streamInto(s, source.file.stream(), source.file.size, id);
  } else if (source.kind === "url") {
    name = nameOf(source.url);
    const response = await fetchModel(source.url);
    const total = Number(response.headers.get("content-length") ?? 0);
    s = new Session(total);
    if (!response.body) throw new Error(`no data came back for ${source.url}`);
    await streamInto(s, response.body, total, id);
  } else {
    name = source.name;
    s = new Session(source.bytes.length);
    s.push(source.bytes);
  }
  const size = s.size();
  try {
    const inspect = s.inspect();
    session = s;
    modelName = name;
    return { name, size, sha256: s.sha256(), inspect };
  } catch (e) {
    s.free();
    throw new Error(`${name}: ${String(e)}`);
  }
}

async function handle(r: Request): Promise<void> {
  if (r.type === "open") {
    reply({ id: r.id, type: "opened", opened: await open(r.source, r.id) });
    return;
  }
  if (r.type === "fixed-bytes") {
    if (!lastFixed) throw new Error("there is no fixed model yet");
    const copy = lastFixed.slice();
    reply({ id: r.id, type: "bytes", bytes: copy }, [copy.buffer]);
    return;
  }
  if (r.type === "fix-markdown") {
    if (lastMarkdown === null) throw new Error("there is no fix report yet");
    reply({ id: r.id, type: "markdown", text: lastMarkdown });
    return;
  }
  if (!session) throw new Error("no model is open");
  if (r.type === "model-bytes") {
    const copy = session.bytes();
    reply({ id: r.id, type: "bytes", bytes: copy }, [copy.buffer]);
    return;
  }
  if (r.type === "analyze") {
    const report = session.analyze_combined(r.options, new Uint32Array(r.levels)) as AnalyzeReport;
    reply({ id: r.id, type: "analysis", report });
  } else if (r.type === "analyze-all") {
    const report = session.analyze_all(r.options, new Uint32Array(r.levels), r.gpu) as AnalyzeReport;
    reply({ id: r.id, type: "analysis", report });
  } else if (r.type === "analyze-gpu") {
    const report = session.analyze_gpu(r.delegate, r.gpu) as AnalyzeReport;
    reply({ id: r.id, type: "analysis", report });
  } else {
    const out = session.fix(r.options, modelName) as { bytes: Uint8Array; report: FixReport; markdown: string };
    lastFixed = out.bytes;
    lastMarkdown = out.markdown;
    reply({ id: r.id, type: "fixed", report: out.report });
  }
}

ready.then(
  () => reply({ id: 0, type: "ready", version: version() }),
  (e: unknown) => reply({ id: 0, type: "error", message: `the analyser could not start: ${String(e)}` }),
);

scope.onmessage = (e) => {
  handle(e.data).catch((err: unknown) =>
    reply({ id: e.data.id, type: "error", message: err instanceof Error ? err.message : String(err) }),
  );
};
