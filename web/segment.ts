// The "segment a photo" panel: runs the open model (and its fixed version) on a sample photo or the
// user's own, and shows the class maps side by side, their agreement, a difference view and a legend.
// A model whose output is a one-channel soft mask (MediaPipe's selfie segmenter) is shown as an
// overlay of the pixels at or above a threshold (slider, default 0.5), compared by the side of the
// threshold each pixel falls on and by the largest difference of the mask values.
// The engine lives in its own worker and wasm, created on the first request only.
import { byId, clear, el } from "./dom.js";
import { className, colour, labelSet } from "./palette.js";
import type { ModelSpec, Photo, Run, SegmentReply, SegmentRequest } from "./segment-protocol.js";

/** The models the panel can run: the open one and, when fixes were applied, the fixed one. */
export interface Models {
  /** Identifies this model and fix; the worker keeps compiled models by key. */
  originalKey: string;
  fixedKey: string | null;
  original: () => Promise<Uint8Array>;
  fixed: () => Promise<Uint8Array>;
}

type OkRun = Extract<Run, { ok: true }>;

let worker: Worker | null = null;
let nextId = 1;
let models: Models | null = null;
// Keys the worker holds (those of the last request).
let held = new Set<string>();
let busy = false;

function segmenter(): Worker {
  worker ??= new Worker(new URL("./segment-worker.js", import.meta.url), { type: "module" });
  return worker;
}

function ask(request: SegmentRequest): Promise<SegmentReply> {
  const w = segmenter();
  return new Promise((resolve, reject) => {
    const onMessage = (e: MessageEvent<SegmentReply>) => {
      if (e.data.id !== request.id) return;
      w.removeEventListener("message", onMessage);
      resolve(e.data);
    };
    w.addEventListener("message", onMessage);
    w.addEventListener("error", (e) => reject(new Error(`the segmentation engine stopped: ${e.message || "it could not be loaded"}`)), { once: true });
    w.postMessage(request);
  });
}

/** Shows the panel for a newly analysed model (or fix); results of an older model are cleared. */
export function showSegment(m: Models): void {
  const changed = !models || models.originalKey !== m.originalKey || models.fixedKey !== m.fixedKey;
  models = m;
  byId("segment").hidden = false;
  if (changed) {
    clear(byId("segment-results"));
    clear(byId("segment-legend"));
    byId("segment-agreement").textContent = "";
    byId("segment-error").hidden = true;
    byId("segment-status").textContent = m.fixedKey
      ? "Pick a photo to run the original and the fixed model on it."
      : "Pick a photo to run the model on it (no fix was applied, so there is one model).";
  }
}

async function specs(m: Models): Promise<ModelSpec[]> {
  const list: ModelSpec[] = [{ key: m.originalKey, label: "Original", bytes: undefined }];
  if (m.fixedKey) list.push({ key: m.fixedKey, label: "Fixed", bytes: undefined });
  for (const s of list) {
    if (!held.has(s.key)) s.bytes = await (s.label === "Original" ? m.original() : m.fixed());
  }
  return list;
}

async function segment(photo: Photo, what: string): Promise<void> {
  if (!models || busy) return;
  busy = true;
  const status = byId("segment-status");
  const errorBox = byId("segment-error");
  errorBox.hidden = true;
  status.textContent = worker ? `Segmenting ${what}…` : `Loading the segmentation engine and segmenting ${what}…`;
  document.body.dataset.segmenting = "true";
  try {
    const list = await specs(models);
    const reply = await ask({ id: nextId++, type: "run", photo, models: list });
    held = new Set(list.map((s) => s.key));
    if (reply.type === "error") throw new Error(reply.message);
    render(reply, what);
  } catch (e) {
    held = new Set();
    errorBox.textContent = e instanceof Error ? e.message : String(e);
    errorBox.hidden = false;
    status.textContent = "";
  } finally {
    busy = false;
    delete document.body.dataset.segmenting;
  }
}

function render(reply: Extract<SegmentReply, { type: "result" }>, what: string): void {
  const results = byId("segment-results");
  clear(results);
  aspect = reply.photo.width / Math.max(1, reply.photo.height);
  const ok = reply.runs.filter((r): r is OkRun => r.ok);
  if (ok.some((r) => r.mask)) {
    renderMasks(reply, ok);
  } else {
    maskRuns = null;
    for (const run of reply.runs) results.append(run.ok ? mapFigure(run) : failedFigure(run));
    compareClassMaps(ok);
    renderLegend(ok);
  }
  const engine = reply.engineMs > 0 ? ` The engine loaded in ${reply.engineMs.toFixed(0)} ms.` : "";
  byId("segment-status").textContent = `${what}: ${reply.photo.width}×${reply.photo.height}, resized to the model's input with Pillow's bilinear filter.${engine}`;
  byId("segment").dataset.done = String(nextId - 1);
}

function compareClassMaps(ok: OkRun[]): void {
  const results = byId("segment-results");
  const [a, b] = ok;
  const agreement = byId("segment-agreement");
  if (a && b && a.classes.length === b.classes.length) {
    const same = countSame(a.classes, b.classes);
    const share = (100 * same) / a.classes.length;
    results.append(diffFigure(a, b));
    agreement.textContent = `${share.toFixed(2)} % of pixels have the same class in both models (${(a.classes.length - same).toLocaleString("en")} of ${a.classes.length.toLocaleString("en")} differ).`;
    agreement.dataset.agreement = share.toFixed(4);
  } else {
    agreement.textContent = "";
    delete agreement.dataset.agreement;
  }
}

/** The input's type and arithmetic, for a figure's caption. */
function inputKind(run: OkRun): string {
  if (run.mask) return `${run.inputType} soft mask, pixels scaled to [0, 1]`;
  if (run.quantized) return `${run.inputType}, TFLite's integer arithmetic`;
  return `${run.inputType}, pixels scaled to [−1, 1]`;
}

type MaskRun = OkRun & { mask: NonNullable<OkRun["mask"]> };

// The soft-mask runs on show (redrawn when the threshold moves) and the threshold.
let maskRuns: { runs: Run[]; ok: MaskRun[] } | null = null;
let threshold = 0.5;

function renderMasks(reply: Extract<SegmentReply, { type: "result" }>, ok: OkRun[]): void {
  maskRuns = { runs: reply.runs, ok: ok.filter((r): r is MaskRun => r.mask !== null) };
  drawMasks();
}

function drawMasks(): void {
  if (!maskRuns) return;
  const results = byId("segment-results");
  clear(results);
  results.append(thresholdControl());
  for (const run of maskRuns.runs) {
    if (!run.ok) results.append(failedFigure(run));
    else if (run.mask) results.append(maskFigure(run as MaskRun));
    else results.append(mapFigure(run));
  }
  const [a, b] = maskRuns.ok;
  const agreement = byId("segment-agreement");
  if (a && b && a.mask.values.length === b.mask.values.length) {
    const { same, maxDiff } = compareMasks(a.mask.values, b.mask.values);
    const n = a.mask.values.length;
    const share = (100 * same) / n;
    results.append(maskDiffFigure(a, b));
    agreement.textContent = `${share.toFixed(2)} % of pixels are on the same side of the threshold ${threshold.toFixed(2)} in both models (${(n - same).toLocaleString("en")} of ${n.toLocaleString("en")} differ); largest difference of the mask values ${maxDiff.toExponential(2)}.`;
    agreement.dataset.agreement = share.toFixed(4);
    agreement.dataset.maxDiff = String(maxDiff);
  } else {
    agreement.textContent = "";
    delete agreement.dataset.agreement;
    delete agreement.dataset.maxDiff;
  }
  renderMaskLegend(maskRuns.ok);
}

function thresholdControl(): HTMLElement {
  const input = el("input", { id: "segment-threshold", type: "range", min: "0", max: "1", step: "0.01", value: threshold.toFixed(2) });
  const shown = el("output", { for: "segment-threshold" }, threshold.toFixed(2));
  input.addEventListener("change", () => {
    threshold = Number(input.value);
    drawMasks();
    byId<HTMLInputElement>("segment-threshold").focus();
  });
  input.addEventListener("input", () => (shown.textContent = Number(input.value).toFixed(2)));
  return el("p", { class: "segment-threshold" }, el("label", { for: "segment-threshold" }, "Mask threshold "), input, " ", shown);
}

function compareMasks(a: Float32Array, b: Float32Array): { same: number; maxDiff: number } {
  let same = 0;
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] >= threshold === b[i] >= threshold) same++;
    const d = Math.abs(a[i] - b[i]);
    maxDiff = d > maxDiff || Number.isNaN(d) ? d : maxDiff;
  }
  return { same, maxDiff };
}

/** A canvas of the mask's size; `paint` gets each mask pixel's index and the input photo's pixel under it (nearest). */
function maskCanvas(run: MaskRun, paint: (i: number, photo: [number, number, number], px: Uint8ClampedArray) => void): HTMLCanvasElement {
  const { width, height } = run.mask;
  const canvas = el("canvas", { width: String(width), height: String(height) });
  canvas.style.aspectRatio = String(aspect);
  const ctx = canvas.getContext("2d");
  if (!ctx) return canvas;
  const image = ctx.createImageData(width, height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(run.height - 1, Math.floor((y * run.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(run.width - 1, Math.floor((x * run.width) / width));
      const p = 3 * (sy * run.width + sx);
      paint(y * width + x, [run.rgb[p], run.rgb[p + 1], run.rgb[p + 2]], image.data);
    }
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

const MASK_COLOUR: [number, number, number] = [0, 150, 255];

/** The photo with the pixels at or above the threshold tinted. */
function maskFigure(run: MaskRun): HTMLElement {
  let above = 0;
  let sum = 0;
  const canvas = maskCanvas(run, (i, photo, px) => {
    const v = run.mask.values[i];
    const a = v >= threshold ? 0.6 : 0;
    if (a) above++;
    sum += v;
    for (let c = 0; c < 3; c++) px[4 * i + c] = photo[c] * (1 - a) + MASK_COLOUR[c] * a;
    px[4 * i + 3] = 255;
  });
  canvas.setAttribute("aria-label", `${run.label} model's mask at threshold ${threshold.toFixed(2)}`);
  const load = run.loadMs > 0 ? `, compiled in ${run.loadMs.toFixed(0)} ms` : "";
  const n = run.mask.values.length;
  return el("figure", {
    class: "segment-map", "data-model": run.label.toLowerCase(), "data-run-ms": run.runMs.toFixed(1),
    "data-above": String(above), "data-pixels": String(n), "data-mask-mean": String(sum / Math.max(1, n)), "data-threshold": threshold.toFixed(2),
  }, canvas, el("figcaption", {}, el("strong", {}, run.label), ` — ${run.runMs.toFixed(0)} ms per run (${inputKind(run)}${load})`));
}

/** Grey photo; pixels on different sides of the threshold in the two masks in magenta. */
function maskDiffFigure(a: MaskRun, b: MaskRun): HTMLElement {
  const canvas = maskCanvas(a, (i, photo, px) => {
    const grey = (photo[0] * 0.3 + photo[1] * 0.59 + photo[2] * 0.11) * 0.6;
    const differs = a.mask.values[i] >= threshold !== b.mask.values[i] >= threshold;
    px[4 * i] = differs ? 255 : grey;
    px[4 * i + 1] = differs ? 0 : grey;
    px[4 * i + 2] = differs ? 255 : grey;
    px[4 * i + 3] = 255;
  });
  canvas.setAttribute("aria-label", "Pixels on different sides of the threshold");
  return el("figure", { class: "segment-map", "data-model": "difference" }, canvas,
    el("figcaption", {}, el("strong", {}, "Difference"), " — pixels on different sides of the threshold, in magenta"));
}

function renderMaskLegend(runs: MaskRun[]): void {
  const legend = byId("segment-legend");
  clear(legend);
  const first = runs[0];
  if (!first) return;
  const n = first.mask.values.length;
  let above = 0;
  for (const v of first.mask.values) if (v >= threshold) above++;
  const swatch = el("span", { class: "swatch" });
  swatch.style.backgroundColor = `rgb(${MASK_COLOUR.join(", ")})`;
  legend.append(el("li", { "data-class": "mask" }, swatch, `mask ≥ ${threshold.toFixed(2)} `, el("span", { class: "hint" }, `${((100 * above) / n).toFixed(1)} %`)));
  legend.setAttribute("aria-label", "Soft mask");
}

function countSame(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) n++;
  return n;
}

// The photo's proportions: maps are computed at the model's input size and shown stretched back.
let aspect = 1;

function canvasFor(run: OkRun, paint: (rgba: Uint8ClampedArray) => void): HTMLCanvasElement {
  const canvas = el("canvas", { width: String(run.width), height: String(run.height) });
  canvas.style.aspectRatio = String(aspect);
  const ctx = canvas.getContext("2d");
  if (ctx) {
    const image = ctx.createImageData(run.width, run.height);
    paint(image.data);
    ctx.putImageData(image, 0, 0);
  }
  return canvas;
}

/** The photo with each pixel's class colour blended over it (background left as is). */
function mapFigure(run: OkRun): HTMLElement {
  const canvas = canvasFor(run, (px) => {
    for (let i = 0; i < run.classes.length; i++) {
      const c = run.classes[i];
      const [r, g, b] = colour(c);
      const a = c === 0 ? 0 : 0.6;
      px[4 * i] = run.rgb[3 * i] * (1 - a) + r * a;
      px[4 * i + 1] = run.rgb[3 * i + 1] * (1 - a) + g * a;
      px[4 * i + 2] = run.rgb[3 * i + 2] * (1 - a) + b * a;
      px[4 * i + 3] = 255;
    }
  });
  canvas.setAttribute("aria-label", `${run.label} model's class map`);
  const kind = inputKind(run);
  const load = run.loadMs > 0 ? `, compiled in ${run.loadMs.toFixed(0)} ms` : "";
  const fig = el("figure", { class: "segment-map", "data-model": run.label.toLowerCase(), "data-run-ms": run.runMs.toFixed(1) },
    canvas, el("figcaption", {}, el("strong", {}, run.label), ` — ${run.runMs.toFixed(0)} ms per run (${kind}${load})`));
  void digest(run.classes).then((hex) => (fig.dataset.mapSha256 = hex));
  return fig;
}

function failedFigure(run: Extract<Run, { ok: false }>): HTMLElement {
  return el("figure", { class: "segment-map failed", "data-model": run.label.toLowerCase() },
    el("figcaption", {}, el("strong", {}, run.label), " — cannot run in the page"), el("p", { class: "reason" }, run.error));
}

/** Grey photo; pixels whose class differs between the two maps in magenta. */
function diffFigure(a: OkRun, b: OkRun): HTMLElement {
  const canvas = canvasFor(a, (px) => {
    for (let i = 0; i < a.classes.length; i++) {
      const grey = (a.rgb[3 * i] * 0.3 + a.rgb[3 * i + 1] * 0.59 + a.rgb[3 * i + 2] * 0.11) * 0.6;
      const differs = a.classes[i] !== b.classes[i];
      px[4 * i] = differs ? 255 : grey;
      px[4 * i + 1] = differs ? 0 : grey;
      px[4 * i + 2] = differs ? 255 : grey;
      px[4 * i + 3] = 255;
    }
  });
  canvas.setAttribute("aria-label", "Pixels whose class differs");
  return el("figure", { class: "segment-map", "data-model": "difference" }, canvas,
    el("figcaption", {}, el("strong", {}, "Difference"), " — pixels whose class changed, in magenta"));
}

function renderLegend(runs: OkRun[]): void {
  const legend = byId("segment-legend");
  clear(legend);
  if (!runs.length) return;
  const { name, labels } = labelSet(runs[0].classCount);
  const counts = new Map<number, number>();
  for (const c of runs[0].classes) counts.set(c, (counts.get(c) ?? 0) + 1);
  for (const r of runs.slice(1)) for (const c of r.classes) if (!counts.has(c)) counts.set(c, 0);
  const total = runs[0].classes.length;
  for (const [c, n] of [...counts].sort((x, y) => y[1] - x[1])) {
    const [r, g, b] = colour(c);
    const swatch = el("span", { class: "swatch" });
    swatch.style.backgroundColor = `rgb(${r}, ${g}, ${b})`;
    legend.append(el("li", { "data-class": String(c) }, swatch, `${className(labels, c)} `, el("span", { class: "hint" }, `${((100 * n) / total).toFixed(1)} %`)));
  }
  legend.setAttribute("aria-label", `Classes present (${name})`);
}

async function digest(bytes: Uint8Array): Promise<string> {
  const hash = await crypto.subtle.digest("SHA-256", new Uint8Array(bytes));
  return [...new Uint8Array(hash)].map((x) => x.toString(16).padStart(2, "0")).join("");
}

export function wireSegment(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>("button[data-photo]")) {
    button.addEventListener("click", () => void segment({ kind: "url", url: button.dataset.photo ?? "" }, button.textContent ?? "the photo"));
  }
  const file = byId<HTMLInputElement>("photo-file");
  // The label is the visible button: Enter or Space on it opens the picker too.
  file.parentElement?.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      file.click();
    }
  });
  file.addEventListener("change", () => {
    const f = file.files?.[0];
    if (f) void segment({ kind: "file", file: f }, f.name);
    file.value = "";
  });
}
