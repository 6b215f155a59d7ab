// The playground page: load a model (drop, file picker, sample), then show its summary and ops.
import init, { inspect, version } from "./pkg/delegate_doctor.js";
import { byId, clear, el } from "./dom.js";
import { analyseAll, readTarget, renderDiagnosis } from "./diagnose.js";
import { renderFix, runFix } from "./fix.js";
import type { InspectReport, LevelReport, TensorRef } from "./report.js";

const status = byId<HTMLParagraphElement>("status");
// Files dropped before the wasm module is ready wait for it.
const wasmReady: Promise<unknown> = init();
const errorBox = byId<HTMLDivElement>("error");
// The model currently shown, kept to recompute when the target changes.
let current: { name: string; bytes: Uint8Array; report: InspectReport } | null = null;

function showError(message: string): void {
  errorBox.textContent = message;
  errorBox.hidden = false;
  byId("summary").hidden = true;
  byId("ops").hidden = true;
  byId("diagnose").hidden = true;
  byId("fix").hidden = true;
  status.textContent = "";
}

function clearError(): void {
  errorBox.hidden = true;
  errorBox.textContent = "";
}

function tensorLabel(t: TensorRef): string {
  return `${t.type.toLowerCase()}[${t.shape.join(",")}]`;
}

function optionsText(options: Record<string, unknown>): string {
  return Object.entries(options)
    .filter(([k]) => k !== "type")
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
}

function fact(list: HTMLElement, name: string, value: string): void {
  list.append(el("dt", {}, name), el("dd", {}, value));
}

function renderSummary(name: string, r: InspectReport): void {
  const m = r.model;
  byId("model-name").textContent = name;
  const facts = byId("facts");
  clear(facts);
  fact(facts, "Size", `${m.file_size.toLocaleString("en")} bytes`);
  fact(facts, "Operators", `${m.operator_count} in ${m.subgraph_count} subgraph(s), ${m.tensor_count} tensors`);
  fact(facts, "Op types", m.op_histogram.map((c) => `${c.op}×${c.count}`).join(", "));
  fact(facts, "Inputs", m.inputs.map((t) => `${t.name} ${tensorLabel(t)}`).join(", "));
  fact(facts, "Outputs", m.outputs.map((t) => `${t.name} ${tensorLabel(t)}`).join(", "));
  if (m.description) fact(facts, "Description", m.description);
  if (m.metadata.length) fact(facts, "Metadata", m.metadata.map((e) => `${e.name} (${e.size} B)`).join(", "));
  if (m.signature_defs.length) fact(facts, "Signatures", m.signature_defs.map((s) => s.key).join(", "));
  byId("summary").hidden = false;
}

function renderOps(r: InspectReport): void {
  const body = byId("op-table").querySelector("tbody");
  if (!body) return;
  clear(body);
  const rows: HTMLTableRowElement[] = [];
  for (const sg of r.subgraphs) {
    for (const op of sg.operators) {
      const ins = op.inputs.filter((t): t is TensorRef => t !== null && !t.const);
      rows.push(
        el(
          "tr",
          { "data-op": op.op },
          el("td", { class: "num" }, r.subgraphs.length > 1 ? `${sg.index}:${op.index}` : String(op.index)),
          el("td", { class: "op" }, op.op),
          el("td", { class: "num" }, String(op.version)),
          el("td", {}, el("code", {}, ins.map(tensorLabel).join(", "))),
          el("td", {}, el("code", {}, op.outputs.map(tensorLabel).join(", "))),
          el("td", { class: "opts" }, optionsText(op.options)),
          el("td", { class: "nnapi" }, ""),
        ),
      );
    }
  }
  body.append(...rows);
  byId("op-count").textContent = `(${rows.length})`;
  byId("ops").hidden = false;
}

function analyse(name: string, bytes: Uint8Array): void {
  clearError();
  const t0 = performance.now();
  let report: InspectReport;
  try {
    report = inspect(bytes) as InspectReport;
  } catch (e) {
    showError(`${name}: ${String(e)}`);
    return;
  }
  current = { name, bytes, report };
  renderSummary(name, report);
  renderOps(report);
  diagnose();
  status.textContent = `Read ${name} in ${(performance.now() - t0).toFixed(1)} ms.`;
}

/** Marks each op of the primary subgraph as accepted or refused at the chosen level. */
function markOps(a: LevelReport | undefined): void {
  const rows = byId("op-table").querySelectorAll<HTMLTableRowElement>("tbody tr");
  const refused = new Map((a?.refused ?? []).map((r) => [r.index, r.reasons] as const));
  const n = a?.total_nodes ?? 0;
  rows.forEach((row, i) => {
    const cell = row.querySelector("td.nnapi");
    if (!cell || i >= n) return;
    const reasons = refused.get(i);
    cell.className = reasons ? "nnapi nnapi-no" : "nnapi nnapi-yes";
    cell.textContent = reasons ? reasons.join(" ") : "accepted";
  });
}

function diagnose(): void {
  if (!current) return;
  const target = readTarget();
  try {
    const t0 = performance.now();
    const report = analyseAll(current.bytes, target);
    const a = renderDiagnosis(report, target.sdk, (sdk) => {
      byId<HTMLSelectElement>("sdk").value = String(sdk);
      diagnose();
    });
    markOps(a);
    document.body.dataset.analysisMs = (performance.now() - t0).toFixed(2);
    renderFix(current.name, runFix(current.bytes, target));
  } catch (e) {
    showError(`${current.name}: ${String(e)}`);
  }
}

async function openFile(file: File): Promise<void> {
  status.textContent = `Reading ${file.name}…`;
  try {
    await wasmReady;
    analyse(file.name, new Uint8Array(await file.arrayBuffer()));
  } catch (e) {
    showError(`Could not read ${file.name}: ${String(e)}`);
  }
}

async function openUrl(url: string): Promise<void> {
  const name = url.split("/").pop() || url;
  status.textContent = `Loading ${name}…`;
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`the server answered ${response.status} ${response.statusText}`);
    await wasmReady;
    analyse(name, new Uint8Array(await response.arrayBuffer()));
  } catch (e) {
    showError(`Could not load ${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function wireInputs(): void {
  const drop = byId("drop");
  const file = byId<HTMLInputElement>("file");
  file.addEventListener("change", () => {
    if (file.files && file.files[0]) void openFile(file.files[0]);
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
      if (f) void openFile(f);
      else showError("Nothing to read: drop a .tflite file.");
    });
  }
  drop.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      file.click();
    }
  });
  for (const id of ["target", "fix-options"]) {
    const form = byId<HTMLFormElement>(id);
    form.addEventListener("change", () => diagnose());
    form.addEventListener("submit", (e) => e.preventDefault());
  }
  byId("accelerator").addEventListener("input", () => diagnose());
  byId("limit").addEventListener("input", () => diagnose());
  for (const button of document.querySelectorAll<HTMLButtonElement>("button[data-sample]")) {
    button.addEventListener("click", () => void openUrl(button.dataset.sample ?? ""));
  }
}

async function main(): Promise<void> {
  wireInputs();
  try {
    await wasmReady;
  } catch (e) {
    showError(`The analyser could not start in this browser: ${String(e)}`);
    return;
  }
  byId("version").textContent = `Delegate Doctor ${version()}`;
  status.textContent = "Ready. Drop a model to begin.";
  document.body.dataset.ready = "true";
}

void main();
