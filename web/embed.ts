// embed.html?model=<url>&sdk=<n>[&cpu_fallback=1][&limit=N][&accelerator=NAME]: a compact card for
// iframes and for the <delegate-doctor-report> element. It tells its parent its height.
import { Analyser } from "./client.js";
import { byId } from "./dom.js";
import { renderCard } from "./card.js";

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

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const model = params.get("model");
  if (!model) return fail("No model: embed.html needs ?model=<url of a .tflite>.");
  const sdk = Number.parseInt(params.get("sdk") ?? "30", 10);
  if (!(sdk >= 27 && sdk <= 35)) return fail(`sdk must be an Android API level from 27 to 35, not ${params.get("sdk")}.`);
  const limit = Number.parseInt(params.get("limit") ?? "0", 10);
  const options = {
    disable_nnapi_cpu: params.get("cpu_fallback") !== "1",
    accelerator_name: params.get("accelerator") || null,
    max_delegated_partitions: Number.isFinite(limit) && limit > 0 ? limit : 0,
  };
  const analyser = new Analyser();
  try {
    await analyser.ready;
    const opened = await analyser.open({ kind: "url", url: model });
    const report = await analyser.analyze(options, [sdk]);
    const a = report.analyses[0];
    if (!a) return fail("The analysis returned nothing.");
    const link = new URL("index.html", location.href);
    link.searchParams.set("model", new URL(model, location.href).href);
    renderCard(opened.name, a, opened.inspect, link.href);
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
  document.body.dataset.ready = "true";
  postHeight();
}

new ResizeObserver(postHeight).observe(document.documentElement);
void main();
