// The playground page: load a model (drop, file picker, sample, ?model=URL), then show its
// summary, every delegate's outcome and the diagnosis for the chosen target, the fixes, and a share link.
import { Analyser } from "./client.js";
import { byId, clear, el } from "./dom.js";
import { LEVELS, readTarget, renderDiagnosis, showDelegateControls, writeTarget, type Pick, type Target } from "./diagnose.js";
import { curesByOp, fixOptions, renderFix } from "./fix.js";
import { renderGraph, wireGraph } from "./graph.js";
import { markOps, renderOps, wireOpTable } from "./ops.js";
import type { Opened, Source } from "./protocol.js";
import type { FixReport, TargetReport, TensorRef, XnnpackReport } from "./report.js";
import { showSegment, wireSegment } from "./segment.js";
import { showCompare, wireCompare } from "./compare.js";
import { readShareState, renderSharedReport, shareLink, validDelegate, type ShareState } from "./share.js";

const status = byId<HTMLParagraphElement>("status");
const errorBox = byId<HTMLDivElement>("error");
const analyser = new Analyser();
// The model shown, and where it came from (a URL is kept for share links).
let current: (Opened & { url?: string }) | null = null;
// A share link being continued: the model the user must drop again.
let pendingShare: ShareState | null = null;
// Results of older requests are dropped when a newer one was made.
let generation = 0;

function showError(message: string): void {
  errorBox.textContent = message;
  errorBox.hidden = false;
  status.textContent = "";
}

function clearError(): void {
  errorBox.hidden = true;
  errorBox.textContent = "";
}

function hideResults(): void {
  for (const id of ["summary", "ops", "diagnose", "fix", "segment", "share"]) byId(id).hidden = true;
}

function tensorLabel(t: TensorRef): string {
  return `${t.type.toLowerCase()}[${t.shape.join(",")}]`;
}

function fact(list: HTMLElement, name: string, value: string): void {
  list.append(el("dt", {}, name), el("dd", {}, value));
}

function renderSummary(o: Opened): void {
  const m = o.inspect.model;
  byId("model-name").textContent = o.name;
  const facts = byId("facts");
  clear(facts);
  fact(facts, "Size", `${m.file_size.toLocaleString("en")} bytes`);
  fact(facts, "SHA-256", o.sha256);
  fact(facts, "Operators", `${m.operator_count} in ${m.subgraph_count} subgraph(s), ${m.tensor_count} tensors`);
  fact(facts, "Op types", m.op_histogram.map((c) => `${c.op}×${c.count}`).join(", "));
  fact(facts, "Inputs", m.inputs.map((t) => `${t.name} ${tensorLabel(t)}`).join(", "));
  fact(facts, "Outputs", m.outputs.map((t) => `${t.name} ${tensorLabel(t)}`).join(", "));
  if (m.description) fact(facts, "Description", m.description);
  if (m.metadata.length) fact(facts, "Metadata", m.metadata.map((e) => `${e.name} (${e.size} B)`).join(", "));
  if (m.signature_defs.length) fact(facts, "Signatures", m.signature_defs.map((s) => s.key).join(", "));
  byId("summary").hidden = false;
}

/** A matrix row was clicked: that target becomes the chosen one. */
function pick(p: Pick): void {
  const t = readTarget();
  writeTarget({ ...t, delegate: p.delegate, sdk: p.sdk ?? t.sdk });
  void diagnose();
}

/** The fixes planned for the chosen target (NNAPI at a level, or a GPU delegate). */
async function fixFor(target: Target): Promise<FixReport | null> {
  return analyser.fix(fixOptions(target));
}

function renderFixPanel(target: Target, fixed: FixReport | null): void {
  if (!current) return;
  if (fixed) renderFix(current.name, fixed, () => analyser.fixedBytes(), () => analyser.fixMarkdown());
  const fixedKey = fixed?.changes.length ? `${current.sha256}:${JSON.stringify(fixOptions(target))}` : null;
  showSegment({
    originalKey: current.sha256,
    fixedKey,
    original: () => analyser.modelBytes(),
    fixed: () => analyser.fixedBytes(),
  });
  showCompare(fixedKey ? { key: fixedKey, original: () => analyser.modelBytes(), fixed: () => analyser.fixedBytes() } : null);
}

async function diagnose(): Promise<void> {
  if (!current) return;
  const mine = ++generation;
  const target = readTarget();
  showDelegateControls(target.delegate);
  try {
    const t0 = performance.now();
    const report = await analyser.analyzeAll(target.options, LEVELS, target.gpu);
    const fixed = await fixFor(target);
    if (mine !== generation || !current) return;
    const cures = fixed ? curesByOp(fixed) : new Map<number, string>();
    const a = renderDiagnosis(report, target, current.inspect, cures, pick);
    markOps(a, cures);
    renderGraph(current.inspect, a, report.analyses.find((x): x is XnnpackReport => x.delegate === "xnnpack"));
    renderFixPanel(target, fixed);
    renderShare(target, a);
    document.body.dataset.analysisMs = (performance.now() - t0).toFixed(2);
  } catch (e) {
    if (mine === generation) showError(`${current.name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function renderShare(target: Target, a: TargetReport | undefined): void {
  if (!current || !a) return;
  void shareLink(current, target, a).then((link) => {
    const input = byId<HTMLInputElement>("share-link");
    input.value = link;
    byId("share").hidden = false;
  });
}

function describeSource(source: Source): string {
  if (source.kind === "file") return source.file.name;
  if (source.kind === "bytes") return source.name;
  return source.url;
}

async function open(source: Source): Promise<void> {
  clearError();
  const what = describeSource(source);
  status.textContent = `Reading ${what}…`;
  const progress = byId<HTMLProgressElement>("progress");
  progress.hidden = false;
  progress.removeAttribute("value");
  const t0 = performance.now();
  try {
    const opened = await analyser.open(source, (loaded, total) => {
      if (total > 0) progress.value = loaded / total;
      status.textContent = `Reading ${what}: ${(loaded / 1e6).toFixed(0)} of ${(total / 1e6).toFixed(0)} MB…`;
    });
    if (pendingShare && pendingShare.sha256 !== opened.sha256) {
      showError(
        `${opened.name} is a different model from the one in the shared report (${pendingShare.name}, ` +
          `sha256 ${pendingShare.sha256.slice(0, 16)}…; this file has ${opened.sha256.slice(0, 16)}…). Drop the same file to continue.`,
      );
      return;
    }
    pendingShare = null;
    byId("shared").hidden = true;
    current = { ...opened, url: source.kind === "url" ? source.url : undefined };
    renderSummary(opened);
    renderOps(opened.inspect);
    status.textContent = `Read ${opened.name} in ${(performance.now() - t0).toFixed(0)} ms.`;
    await diagnose();
  } catch (e) {
    current = null;
    hideResults();
    showError(e instanceof Error ? e.message : String(e));
  } finally {
    progress.hidden = true;
  }
}

function wireInputs(): void {
  wireOpTable();
  wireGraph();
  wireSegment();
  wireCompare();
  const drop = byId("drop");
  const file = byId<HTMLInputElement>("file");
  file.addEventListener("change", () => {
    if (file.files && file.files[0]) void open({ kind: "file", file: file.files[0] });
    file.value = "";
  });
  for (const target of [document.body, drop]) {
    target.addEventListener("dragover", (e) => {
      e.preventDefault();
      document.body.classList.add("dragging");
    });
    target.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
    target.addEventListener("drop", (e) => {
      e.preventDefault();
      e.stopPropagation();
      document.body.classList.remove("dragging");
      const f = e.dataTransfer?.files?.[0];
      if (f) void open({ kind: "file", file: f });
      else showError("Nothing to read: drop a .tflite file.");
    });
  }
  drop.addEventListener("keydown", (e) => {
    if (e.target === drop && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      file.click();
    }
  });
  for (const button of document.querySelectorAll<HTMLButtonElement>("button[data-sample]")) {
    button.addEventListener("click", () => void open({ kind: "url", url: button.dataset.sample ?? "" }));
  }
  for (const id of ["target", "fix-options"]) {
    const form = byId<HTMLFormElement>(id);
    form.addEventListener("change", () => void diagnose());
    form.addEventListener("submit", (e) => e.preventDefault());
  }
  byId("accelerator").addEventListener("input", () => void diagnose());
  byId("limit").addEventListener("input", () => void diagnose());
  byId("gpu-limit").addEventListener("input", () => void diagnose());
  byId("copy-link").addEventListener("click", () => {
    const link = byId<HTMLInputElement>("share-link").value;
    void navigator.clipboard.writeText(link).then(
      () => (byId("share-status").textContent = "Link copied."),
      () => (byId("share-status").textContent = "Select the link and copy it."),
    );
  });
}

/** A share link or ?model= in the address: show the shared report, or load the model. */
async function startFromAddress(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const modelUrl = params.get("model");
  const shared = await readShareState(location.hash).catch((e: unknown) => {
    showError(`This share link cannot be read: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  });
  // ?delegate= picks the target for a ?model= link; a share link's own target (in its fragment) wins.
  const delegate = params.get("delegate");
  if (delegate !== null) {
    try {
      writeTarget({ ...readTarget(), delegate: validDelegate(delegate) });
    } catch (e) {
      showError(`This link's delegate cannot be used: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
  }
  if (shared) {
    writeTarget(shared.target);
    renderSharedReport(byId("shared"), shared);
    if (!modelUrl) {
      pendingShare = shared;
      status.textContent = `Drop ${shared.name} to continue from this report.`;
      return;
    }
  }
  if (modelUrl) await open({ kind: "url", url: modelUrl });
}

async function main(): Promise<void> {
  wireInputs();
  try {
    byId("version").textContent = `Delegate Doctor ${await analyser.ready}`;
  } catch (e) {
    showError(`The analyser could not start in this browser: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  status.textContent = "Ready. Drop a model to begin.";
  document.body.dataset.ready = "true";
  await startFromAddress();
}

void main();
