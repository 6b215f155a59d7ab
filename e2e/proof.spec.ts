import { expect, test, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { DEEPLAB, SHARED, dropFile, openPage } from "./helpers";

const PHOTOS = resolve(SHARED, "samples");

/** The real interpreter's class map of a model on a photo (e2e/reference_segment.py). */
function reference(model: string, photo: string): { sha256: string } {
  const out = execFileSync(".venv/bin/python", ["e2e/reference_segment.py", model, photo], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  return JSON.parse(out.trim().split("\n").pop() ?? "{}");
}

async function mapHash(page: Page, model: string): Promise<string> {
  const fig = page.locator(`#segment-results figure[data-model=${model}]`);
  await expect(fig).toHaveAttribute("data-map-sha256", /^[0-9a-f]{64}$/, { timeout: 60_000 });
  return (await fig.getAttribute("data-map-sha256")) ?? "";
}

test("the seed walk: Google's DeepLab at API 29, CPU fallback, 3 partitions → Fix → segment → both maps, 100 %", async ({ page }) => {
  test.setTimeout(180_000);
  await openPage(page);
  const model = DEEPLAB("deeplabv3_mnv2_pascal_513_os8_google_original.tflite");
  await dropFile(page, model);
  await page.selectOption("#sdk", "29");
  await page.check("#cpu-fallback");
  await page.fill("#limit", "3");
  await expect(page.locator("#after-verdict")).toContainText("Fully delegated");
  // The fix for this target turns the global AVERAGE_POOL_2D into MEAN: the engine runs it.
  await expect(page.locator("#changes")).toContainText("MEAN");

  await page.click("button[data-photo='samples/astronaut.png']");
  await expect(page.locator("#segment")).toHaveAttribute("data-done", /\d+/, { timeout: 90_000 });
  await expect(page.locator("#segment-results figure.failed")).toHaveCount(0);
  const ref = reference(model, resolve(PHOTOS, "astronaut.png"));
  expect(await mapHash(page, "original")).toBe(ref.sha256);
  expect(await mapHash(page, "fixed")).toBe(ref.sha256);
  await expect(page.locator("#segment-agreement")).toHaveAttribute("data-agreement", "100.0000");
  await page.locator("#segment").screenshot({ path: "test-results/screenshots/seed-walk-segment.png" });

  // Compare outputs: the same seeded inputs into both; the int64 and int32 class maps are equal.
  await expect(page.locator("#compare")).toBeVisible();
  await page.click("#compare-run");
  await expect(page.locator("#compare")).toHaveAttribute("data-done", /\d+/, { timeout: 90_000 });
  const rows = page.locator("#compare-results tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("int64[1, 513, 513]");
  await expect(rows.first()).toContainText("int32[1, 513, 513]");
  await expect(rows.first()).toHaveAttribute("data-identical", "100.0000");
  await expect(rows.first()).toHaveAttribute("data-max-diff", "0");
  await expect(page.locator("#compare-status")).toContainText("Every output is identical");
  await page.locator("#compare").screenshot({ path: "test-results/screenshots/seed-walk-compare.png" });
});

test("Compare outputs proves a fix on a model that is not a segmenter", async ({ page }) => {
  test.setTimeout(90_000);
  await openPage(page);
  // A global uint8 AVERAGE_POOL_2D over 20×20, refused with CPU fallback on: at API 29 the fix makes
  // it a MEAN.
  await dropFile(page, resolve("tests/python/fixtures/avgpool_u8_20x20_global.tflite"));
  await page.selectOption("#sdk", "29");
  await page.check("#cpu-fallback");
  await expect(page.locator("#changes")).toContainText("MEAN");
  await page.click("#compare-run");
  await expect(page.locator("#compare")).toHaveAttribute("data-done", /\d+/, { timeout: 60_000 });
  const row = page.locator("#compare-results tbody tr");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("uint8[1, 1, 1, 64]");
  await expect(row).toHaveAttribute("data-identical", "100.0000");
  // The seed and the inputs are stated, so the figures can be reproduced.
  await expect(page.locator("#compare-status")).toContainText("seed 1");
  expect(await page.locator("#compare-results script, #compare-results img").count()).toBe(0);
});
