import { expect, test, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { DEEPLAB, SHARED, dropFile, openPage } from "./helpers";

const PHOTOS = resolve(SHARED, "samples");

/** The real interpreter's class map for a model and photo (e2e/reference_segment.py). */
function reference(model: string, photo: string): { sha256: string; pixels: number; histogram: Record<string, number> } {
  const out = execFileSync(".venv/bin/python", ["e2e/reference_segment.py", model, photo], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  return JSON.parse(out.trim().split("\n").pop() ?? "{}");
}

async function segmented(page: Page): Promise<void> {
  await expect(page.locator("#segment")).toHaveAttribute("data-done", /\d+/, { timeout: 60_000 });
}

async function mapHash(page: Page, model: string): Promise<string> {
  const fig = page.locator(`#segment-results figure[data-model=${model}]`);
  await expect(fig).toHaveAttribute("data-map-sha256", /^[0-9a-f]{64}$/);
  return (await fig.getAttribute("data-map-sha256")) ?? "";
}

test("original and fixed DeepLab segment a photo exactly as the real interpreter does", async ({ page }) => {
  test.setTimeout(120_000);
  const engineRequests: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("delegate_doctor_engine")) engineRequests.push(r.url());
  });
  await openPage(page);
  const model = DEEPLAB("deeplabv3_mnv2_pascal_513_os8_google_original.tflite");
  await dropFile(page, model);
  await expect(page.locator("#after-verdict")).toContainText("Fully delegated");
  await expect(page.locator("#segment")).toBeVisible();
  // Analysis and fixing never load the inference engine.
  expect(engineRequests).toEqual([]);

  await page.click("button[data-photo='samples/astronaut.png']");
  await segmented(page);
  expect(engineRequests.some((u) => u.endsWith(".wasm"))).toBe(true);
  const ref = reference(model, resolve(PHOTOS, "astronaut.png"));
  expect(await mapHash(page, "original")).toBe(ref.sha256);
  // The fixes are exact: the fixed model's map is the same.
  expect(await mapHash(page, "fixed")).toBe(ref.sha256);
  await expect(page.locator("#segment-agreement")).toHaveAttribute("data-agreement", "100.0000");
  await expect(page.locator("#segment-results figure[data-model=difference] canvas")).toBeVisible();
  await expect(page.locator("#segment-legend")).toContainText("person");
  await expect(page.locator("#segment-legend")).toContainText("background");
  await expect(page.locator("#segment-results figure[data-model=original] figcaption")).toContainText(/\d+ ms per run \(uint8/);
  await page.locator("#segment").screenshot({ path: "test-results/screenshots/segment.png" });
});

test("the user's own photo, on a model that needs no fix", async ({ page }) => {
  test.setTimeout(90_000);
  await openPage(page);
  const model = DEEPLAB("deeplabv3_mnv2_pascal_257_os16_quant.tflite");
  await dropFile(page, model);
  await expect(page.locator("#segment")).toBeVisible();
  await expect(page.locator("#segment-status")).toContainText("one model");
  const photo = resolve(PHOTOS, "chelsea.png");
  await page.setInputFiles("#photo-file", photo);
  await segmented(page);
  await expect(page.locator("#segment-results figure")).toHaveCount(1);
  expect(await mapHash(page, "original")).toBe(reference(model, photo).sha256);
  await expect(page.locator("#segment-legend")).toContainText("cat");
  await expect(page.locator("#segment-status")).toContainText("chelsea.png: 451×300");
});

test("a model the engine cannot run, and a file that is no photo, are explained", async ({ page }) => {
  await openPage(page);
  await dropFile(page, resolve("e2e/fixtures/unsupported-ops.tflite"));
  await expect(page.locator("#segment")).toBeVisible();
  await page.click("button[data-photo='samples/astronaut.png']");
  await segmented(page);
  const failed = page.locator("#segment-results figure.failed").first();
  await expect(failed).toContainText("cannot run in the page");
  await expect(failed.locator(".reason")).toContainText("op 0 SOFTMAX: this operator is not implemented by the in-page engine");
  // MUL runs since the float (MediaPipe) kernels came in, so only SOFTMAX is listed.
  await expect(failed.locator(".reason")).not.toContainText("MUL");
  // Untrusted names stay text.
  expect(await page.locator("#segment-results img, #segment-results script").count()).toBe(0);

  await dropFile(page, DEEPLAB("deeplabv3_mnv2_pascal_257_os16_quant.tflite"));
  await expect(page.locator("#segment-results figure")).toHaveCount(0);
  await page.setInputFiles("#photo-file", { name: "notes.png", mimeType: "image/png", buffer: Buffer.from("not an image") });
  await expect(page.locator("#segment-error")).toContainText("could not be read");
  // The panel still works afterwards.
  await page.click("button[data-photo='samples/chelsea.png']");
  await segmented(page);
  await expect(page.locator("#segment-error")).toBeHidden();
});
