// The segmentation worker: loads the engine's wasm on first use, decodes the photo, resizes it to
// each model's input exactly as Pillow does, and runs the models. The page stays responsive.
import init, { compare_models, resize_photo, Segmenter } from "./pkg/delegate_doctor_engine.js";
import type { CompareOutcome, CompareReply, CompareRequest, ModelSpec, Photo, Run, SegmentReply, SegmentRequest, WorkerRequest } from "./segment-protocol.js";

interface WorkerScope {
  postMessage(message: SegmentReply | CompareReply, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const started = performance.now();
let engineMs = 0;
const engine = init().then(() => {
  engineMs = performance.now() - started;
});
// Compiled models of the last request, by key.
let models = new Map<string, Segmenter>();

interface Rgb {
  width: number;
  height: number;
  rgb: Uint8Array;
}

async function photoBlob(photo: Photo): Promise<Blob> {
  if (photo.kind === "file") return photo.file;
  const response = await fetch(photo.url);
  if (!response.ok) throw new Error(`the photo could not be fetched: ${response.status} ${response.statusText}`);
  return response.blob();
}

/** The photo's pixels as stored in the file: no colour management, no premultiplied alpha. */
async function decode(photo: Photo): Promise<Rgb> {
  const blob = await photoBlob(photo);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  } catch {
    throw new Error("the photo could not be read: this browser cannot decode the file as an image");
  }
  const { width, height } = bitmap;
  if (width > 16384 || height > 16384) throw new Error(`the photo is ${width}×${height}; at most 16384 pixels per side`);
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("this browser has no 2D canvas in workers");
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i];
    rgb[j + 1] = rgba[i + 1];
    rgb[j + 2] = rgba[i + 2];
  }
  return { width, height, rgb };
}

function compile(spec: ModelSpec, kept: Map<string, Segmenter>): { seg: Segmenter; loadMs: number } {
  const known = models.get(spec.key);
  if (known) {
    models.delete(spec.key);
    kept.set(spec.key, known);
    return { seg: known, loadMs: 0 };
  }
  if (!spec.bytes) throw new Error("the model's bytes were not sent (internal error)");
  const t0 = performance.now();
  const seg = new Segmenter(spec.bytes);
  kept.set(spec.key, seg);
  return { seg, loadMs: performance.now() - t0 };
}

function runOne(spec: ModelSpec, photo: Rgb, kept: Map<string, Segmenter>, resized: Map<string, Uint8Array>): Run {
  try {
    const { seg, loadMs } = compile(spec, kept);
    const [w, h] = [seg.input_width, seg.input_height];
    const rgb = resized.get(`${w}x${h}`) ?? resize_photo(photo.rgb, photo.width, photo.height, w, h);
    resized.set(`${w}x${h}`, rgb);
    const t0 = performance.now();
    const soft = seg.soft_mask;
    const values = soft ? seg.run_mask(rgb) : null;
    const classes = soft ? new Uint8Array(0) : seg.run(rgb);
    const runMs = performance.now() - t0;
    const mask = values ? { width: seg.mask_width, height: seg.mask_height, values } : null;
    return { key: spec.key, label: spec.label, ok: true, width: w, height: h, rgb, classes, classCount: seg.class_count, quantized: seg.quantized, inputType: seg.input_type, mask, loadMs, runMs };
  } catch (e) {
    return { key: spec.key, label: spec.label, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

async function run(r: SegmentRequest): Promise<SegmentReply> {
  await engine;
  const photo = await decode(r.photo);
  const kept = new Map<string, Segmenter>();
  const resized = new Map<string, Uint8Array>();
  const runs = r.models.map((spec) => runOne(spec, photo, kept, resized));
  for (const stale of models.values()) stale.free();
  models = kept;
  const first = engineMs;
  engineMs = 0;
  return { id: r.id, type: "result", photo: { width: photo.width, height: photo.height }, engineMs: first, runs };
}

async function compare(r: CompareRequest): Promise<CompareReply> {
  await engine;
  const t0 = performance.now();
  const outcome = JSON.parse(compare_models(r.original, r.fixed, r.seed)) as CompareOutcome;
  return { id: r.id, type: "compared", outcome, ms: performance.now() - t0 };
}

scope.onmessage = (e) => {
  const request = e.data;
  const reply: Promise<SegmentReply | CompareReply> = request.type === "compare" ? compare(request) : run(request);
  reply.then(
    (reply) => scope.postMessage(reply),
    (err: unknown) => scope.postMessage({ id: e.data.id, type: "error", message: err instanceof Error ? err.message : String(err) }),
  );
};
