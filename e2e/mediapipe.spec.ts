import { expect, test, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { SHARED, dropFile, openPage } from "./helpers";

const SELFIE = resolve(SHARED, "models/mediapipe/selfie_segmentation.tflite");
const PHOTOS = resolve(SHARED, "samples");
// The engine's masks are within this of the real interpreter's (tests/python/test_mediapipe.py).
const MASK_TOLERANCE = 1e-4;

interface MaskReference { pixels: number; mean: number; above: number; near: number }

/** The real interpreter's soft mask of the selfie model on a photo (e2e/reference_segment.py). */
function reference(photo: string, threshold: number): MaskReference {
  const args = ["e2e/reference_segment.py", SELFIE, photo, String(threshold)];
  const out = execFileSync(".venv/bin/python", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  return JSON.parse(out.trim().split("\n").pop() ?? "{}");
}

async function maskStats(page: Page, model: string): Promise<{ above: number; pixels: number; mean: number; threshold: string }> {
  const fig = page.locator(`#segment-results figure[data-model=${model}]`);
  await expect(fig.locator("canvas")).toBeVisible();
  const get = async (name: string) => (await fig.getAttribute(name)) ?? "";
  return { above: Number(await get("data-above")), pixels: Number(await get("data-pixels")), mean: Number(await get("data-mask-mean")), threshold: await get("data-threshold") };
}

function expectLikeReference(ours: { above: number; pixels: number; mean: number }, ref: MaskReference): void {
  expect(ours.pixels).toBe(ref.pixels);
  // Only pixels within the float tolerance of the threshold may fall on the other side.
  expect(Math.abs(ours.above - ref.above)).toBeLessThanOrEqual(ref.near);
  expect(Math.abs(ours.mean - ref.mean)).toBeLessThanOrEqual(MASK_TOLERANCE);
}

test("MediaPipe selfie: fixed for NNAPI at API 30, both soft masks drawn over the photo and equal to the real interpreter's", async ({ page }) => {
  test.setTimeout(120_000);
  await openPage(page);
  await dropFile(page, SELFIE);
  await page.selectOption("#sdk", "30");
  await expect(page.locator("#changes")).toContainText("Convolution2DTransposeBias");
  await expect(page.locator("#segment")).toBeVisible();

  await page.click("button[data-photo='samples/astronaut.png']");
  await expect(page.locator("#segment")).toHaveAttribute("data-done", /\d+/, { timeout: 90_000 });
  await expect(page.locator("#segment-results figure.failed")).toHaveCount(0);
  await expect(page.locator("#segment-threshold")).toHaveValue("0.5");
  const photo = resolve(PHOTOS, "astronaut.png");
  const ref = reference(photo, 0.5);
  expect(ref.above).toBeGreaterThan(0); // the astronaut is found: the overlay is not empty
  for (const model of ["original", "fixed"]) {
    const ours = await maskStats(page, model);
    expect(ours.threshold).toBe("0.50");
    expectLikeReference(ours, ref);
  }
  // The overlay is drawn: some pixels carry the mask's tint, others the photo.
  const tinted = await page.locator("#segment-results figure[data-model=original] canvas").evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext("2d")?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 2] > d[i] + 60 && d[i + 2] > d[i + 1] + 20) n++;
    return n / (d.length / 4);
  });
  expect(tinted).toBeGreaterThan(0.1);
  const agreement = page.locator("#segment-agreement");
  expect(Number(await agreement.getAttribute("data-agreement"))).toBeGreaterThanOrEqual(99.99);
  expect(Number(await agreement.getAttribute("data-max-diff"))).toBeLessThanOrEqual(MASK_TOLERANCE);
  await expect(page.locator("#segment-results figure[data-model=original] figcaption")).toContainText("float32 soft mask");
  await expect(page.locator("#segment-legend")).toContainText("mask ≥ 0.50");
  await page.locator("#segment").screenshot({ path: "test-results/screenshots/selfie-mask.png" });

  // Moving the threshold redraws both masks at the new threshold.
  await page.locator("#segment-threshold").fill("0.3");
  await expect(page.locator("#segment-results figure[data-model=fixed]")).toHaveAttribute("data-threshold", "0.30");
  const low = reference(photo, 0.3);
  expectLikeReference(await maskStats(page, "fixed"), low);
  await expect(page.locator("#segment-agreement")).toContainText("threshold 0.30");
});
