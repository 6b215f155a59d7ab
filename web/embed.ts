// embed.html?model=<url>&sdk=<n>[&cpu_fallback=1][&limit=N][&accelerator=NAME][&delegate=nnapi|gpu|litert-gpu]
// [&gpu_backend=cl|gl][&gpu_quant=0]: a compact card for iframes and for the <delegate-doctor-report>
// element. The delegate defaults to NNAPI; `limit` is the partition limit of NNAPI and of the GPU
// delegate, as --max-delegated-partitions is for the CLI. It tells its parent its height.
import { Analyser } from "./client.js";
import { byId } from "./dom.js";
import { renderCard } from "./card.js";
import { isDelegate } from "./diagnose.js";
import type { AnalyzeReport, DelegateId } from "./report.js";

function postHeight(): void {
  const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
  if (window.parent !== window) window.parent.postMessage({ delegateDoctorHeight: height }, "*");
}

function fail(message: string): void {
  const box = byId("card-error");
  box.textContent = message;
  box.hidden = false;
  document.body.dataset.ready = "true";
  postHeight();
}

/** The analysis the card shows, or a message saying what is wrong with the request. */
type Request = { delegate: DelegateId; sdk: number; limit: number; params: URLSearchParams };

function readRequest(params: URLSearchParams): Request | string {
  const delegate = params.get("delegate") ?? "nnapi";
  if (!isDelegate(delegate)) return `delegate must be nnapi, gpu or litert-gpu, not ${delegate}.`;
  const sdk = Number.parseInt(params.get("sdk") ?? "30", 10);
  if (!(sdk >= 27 && sdk <= 35)) return `sdk must be an Android API level from 27 to 35, not ${params.get("sdk")}.`;
  const backend = params.get("gpu_backend");
  if (backend !== null && backend !== "cl" && backend !== "gl") return `gpu_backend must be cl or gl, not ${backend}.`;
  const limit = Number.parseInt(params.get("limit") ?? "0", 10);
  return { delegate, sdk, limit: Number.isFinite(limit) && limit > 0 ? limit : 0, params };
}

function analyse(analyser: Analyser, r: Request): Promise<AnalyzeReport> {
  const p = r.params;
  if (r.delegate !== "nnapi") {
    const gpu = { backend: p.get("gpu_backend") ?? "cl", enable_quant: p.get("gpu_quant") !== "0", max_delegated_partitions: r.limit || 1 };
    return analyser.analyzeGpu(r.delegate, gpu);
  }
  const options = {
    disable_nnapi_cpu: p.get("cpu_fallback") !== "1",
    accelerator_name: p.get("accelerator") || null,
    max_delegated_partitions: r.limit,
  };
  return analyser.analyze(options, [r.sdk]);
}

/** The full page for the same model and delegate. */
function pageLink(model: string, delegate: DelegateId): string {
  const link = new URL("index.html", location.href);
  link.searchParams.set("model", new URL(model, location.href).href);
  if (delegate !== "nnapi") link.searchParams.set("delegate", delegate);
  return link.href;
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const model = params.get("model");
  if (!model) return fail("No model: embed.html needs ?model=<url of a .tflite>.");
  const request = readRequest(params);
  if (typeof request === "string") return fail(request);
  const analyser = new Analyser();
  try {
    await analyser.ready;
    const opened = await analyser.open({ kind: "url", url: model });
    const a = (await analyse(analyser, request)).analyses[0];
    if (!a || a.delegate === "xnnpack") return fail("The analysis returned nothing.");
    renderCard(opened.name, a, opened.inspect, pageLink(model, request.delegate));
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
  document.body.dataset.ready = "true";
  postHeight();
}

new ResizeObserver(postHeight).observe(document.documentElement);
void main();
