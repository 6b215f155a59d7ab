// Share links: the target, the model's name, size and SHA-256, and the findings travel in the URL
// fragment (deflate + base64url), never the model. A link is untrusted input: it is size-limited,
// decompressed with a cap, validated field by field, and shown as text only.
import { clear, el } from "./dom.js";
import { isDelegate, targetLabel, type Target } from "./diagnose.js";
import type { DelegateId, GpuOptions, TargetReport } from "./report.js";

const MAX_FRAGMENT = 64 * 1024;
const MAX_JSON = 512 * 1024;
const MAX_ROWS = 5000;
const MAX_TEXT = 2000;

export interface ShareState {
  v: 1;
  name: string;
  size: number;
  sha256: string;
  url?: string;
  target: Target;
  outcome: string;
  verdict: string;
  plan: [string, string][];
  refused: [number, string, string[]][];
}

function toBase64Url(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("it contains characters a share link never has");
  const b = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}

async function deflate(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Inflates with a cap on the output size, so a small link cannot expand into a huge string. */
async function inflate(bytes: Uint8Array): Promise<string> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > MAX_JSON) {
      await reader.cancel();
      throw new Error("it expands to more than a report can be");
    }
    parts.push(value);
  }
  return new TextDecoder().decode(await new Blob(parts as BlobPart[]).arrayBuffer());
}

/** The link's query: the model's URL, and the delegate unless it is NNAPI (the default). */
function linkQuery(url: string | undefined, delegate: DelegateId): string {
  const q = new URLSearchParams();
  if (url) q.set("model", url);
  if (delegate !== "nnapi") q.set("delegate", delegate);
  const text = q.toString();
  return text ? `?${text}` : "";
}

export async function shareLink(current: { name: string; size: number; sha256: string; url?: string }, target: Target, a: TargetReport): Promise<string> {
  const state: ShareState = {
    v: 1,
    name: current.name,
    size: current.size,
    sha256: current.sha256,
    url: current.url,
    target,
    outcome: a.outcome,
    verdict: a.verdict.summary,
    plan: a.plan.slice(0, MAX_ROWS).map((r) => [r.type, r.name]),
    refused: a.refused.slice(0, MAX_ROWS).map((r) => [r.index, r.op, r.reasons]),
  };
  const base = `${location.origin}${location.pathname}`;
  return `${base}${linkQuery(current.url, target.delegate)}#r=${toBase64Url(await deflate(JSON.stringify(state)))}`;
}

const text = (v: unknown, what: string): string => {
  if (typeof v !== "string" || v.length > MAX_TEXT) throw new Error(`${what} is not a short text`);
  return v;
};
const count = (v: unknown, what: string): number => {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new Error(`${what} is not a count`);
  return v;
};
const list = (v: unknown, what: string): unknown[] => {
  if (!Array.isArray(v) || v.length > MAX_ROWS) throw new Error(`${what} is not a list`);
  return v;
};

/** A delegate id; links from before the GPU delegates have none and mean NNAPI. */
export function validDelegate(v: unknown): DelegateId {
  if (v === undefined || v === null) return "nnapi";
  if (!isDelegate(v)) throw new Error("the delegate is not nnapi, gpu or litert-gpu");
  return v;
}

function validGpuOptions(v: unknown): GpuOptions {
  const g = (v ?? {}) as Record<string, unknown>;
  if (g.backend !== undefined && g.backend !== "cl" && g.backend !== "gl") throw new Error("the GPU backend is not cl or gl");
  const limit = count(g.max_delegated_partitions ?? 1, "the GPU partition limit");
  return { backend: g.backend === "gl" ? "gl" : "cl", enable_quant: g.enable_quant !== false, max_delegated_partitions: Math.max(limit, 1) };
}

function validTarget(v: unknown): Target {
  const t = v as { delegate?: unknown; sdk?: unknown; options?: Record<string, unknown>; gpu?: unknown };
  const sdk = count(t?.sdk, "the API level");
  if (sdk < 27 || sdk > 35) throw new Error("the API level is outside 27–35");
  const o = t.options ?? {};
  const name = o.accelerator_name;
  return {
    delegate: validDelegate(t.delegate),
    sdk,
    options: {
      disable_nnapi_cpu: o.disable_nnapi_cpu !== false,
      accelerator_name: name === null || name === undefined ? null : text(name, "the accelerator name"),
      max_delegated_partitions: count(o.max_delegated_partitions ?? 0, "the partition limit"),
      disable_delegate_clustering: o.disable_delegate_clustering === true,
    },
    gpu: validGpuOptions(t.gpu),
  };
}

/** Checks every field; anything unexpected rejects the whole link. */
export function validState(raw: unknown): ShareState {
  const s = raw as Record<string, unknown>;
  if (!s || s.v !== 1) throw new Error("it is not a Delegate Doctor report (or from a newer version)");
  const sha256 = text(s.sha256, "the model hash");
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error("the model hash is malformed");
  const url = s.url === undefined ? undefined : text(s.url, "the model URL");
  if (url !== undefined && !/^https?:\/\//i.test(new URL(url, location.href).href)) throw new Error("the model URL is not http(s)");
  return {
    v: 1,
    name: text(s.name, "the model name"),
    size: count(s.size, "the model size"),
    sha256,
    url,
    target: validTarget(s.target),
    outcome: text(s.outcome, "the outcome"),
    verdict: text(s.verdict, "the verdict"),
    plan: list(s.plan, "the plan").map((r) => {
      const [type, name] = list(r, "a plan row");
      return [text(type, "a node type"), text(name, "a node name")] as [string, string];
    }),
    refused: list(s.refused, "the refused ops").map((r) => {
      const [index, op, reasons] = list(r, "a refused op");
      return [count(index, "an op index"), text(op, "an op name"), list(reasons, "reasons").map((x) => text(x, "a reason"))] as [number, string, string[]];
    }),
  };
}

/** The share state in `hash` (`#r=…`), or null when there is none. Throws on a bad link. */
export async function readShareState(hash: string): Promise<ShareState | null> {
  const m = /^#r=(.*)$/.exec(hash);
  if (!m) return null;
  if (m[1].length > MAX_FRAGMENT) throw new Error("it is longer than any report link");
  let json: unknown;
  try {
    json = JSON.parse(await inflate(fromBase64Url(m[1])));
  } catch (e) {
    throw new Error(e instanceof Error && e.message.startsWith("it ") ? e.message : "it is damaged (cut short when copied?)");
  }
  return validState(json);
}

function nnapiFlags(t: Target): string[] {
  return [
    t.options.disable_nnapi_cpu === false ? "--disable_nnapi_cpu=false" : "",
    t.options.accelerator_name ? `--nnapi_accelerator_name=${t.options.accelerator_name}` : "",
    t.options.max_delegated_partitions ? `--max_delegated_partitions=${t.options.max_delegated_partitions}` : "",
    t.options.disable_delegate_clustering ? "--disable_delegate_clustering" : "",
  ].filter(Boolean);
}

function gpuFlags(t: Target): string[] {
  return [
    `--gpu_backend=${t.gpu.backend}`,
    t.gpu.enable_quant ? "" : "--gpu_experimental_enable_quant=false",
    t.delegate === "gpu" && t.gpu.max_delegated_partitions !== 1 ? `--max_delegated_partitions=${t.gpu.max_delegated_partitions}` : "",
  ].filter(Boolean);
}

/** "Android API 29, --disable_nnapi_cpu=false" or "GPU, --gpu_backend=cl". */
function targetLine(t: Target): string {
  const flags = t.delegate === "nnapi" ? nnapiFlags(t) : gpuFlags(t);
  const name = t.delegate === "nnapi" ? `Android API ${t.sdk}` : targetLabel(t);
  return `${name}${flags.length ? `, ${flags.join(" ")}` : ""}: `;
}

/** The read-only report from a link, as text nodes only. */
export function renderSharedReport(box: HTMLElement, s: ShareState): void {
  clear(box);
  const t = s.target;
  const listing = [`${"[node type]".padStart(24)}\t[Name]`, ...s.plan.map(([ty, n]) => `${ty.padStart(24)}\t${n}`)].join("\n");
  box.append(
    el("h2", {}, "Shared report (read-only)"),
    el("p", { class: "shared-model" }, `${s.name} — ${s.size.toLocaleString("en")} bytes — sha256 ${s.sha256}`),
    el("p", {}, targetLine(t), el("strong", { class: "shared-verdict" }, s.verdict)),
    el("pre", { class: "run-order shared-plan" }, listing),
    el("ul", { class: "refused" }, ...s.refused.map(([i, op, reasons]) => el("li", {}, el("strong", {}, `${i} ${op}`), el("ul", {}, ...reasons.map((r) => el("li", { class: "reason" }, r)))))),
    el("p", { class: "hint" }, s.url ? "Loading the model from its URL…" : `Drop ${s.name} (the same file) to continue; it is checked by its SHA-256 and never uploaded.`),
  );
  box.hidden = false;
}
