import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { DEEPLAB, dropBytes, dropFile, openPage } from "./helpers";

async function seedTarget(page: import("@playwright/test").Page): Promise<void> {
  await page.selectOption("#sdk", "29");
  await page.check("#cpu-fallback");
  await page.fill("#limit", "3");
}

test("fix, download, and the downloaded model is one NNAPI kernel", async ({ page }) => {
  await openPage(page);
  await dropFile(page, DEEPLAB("deeplabv3_mnv2_pascal_513_os8_google_original.tflite"));
  await seedTarget(page);
  await expect(page.locator("#after-verdict")).toHaveText("Fully delegated: one NNAPI kernel runs all 72 ops.");
  await expect(page.locator("#changes tbody tr")).toHaveCount(5);
  await expect(page.locator("#changes")).toContainText("resize to 520×520");
  await expect(page.locator("#plan-before")).toContainText("AVERAGE_POOL_2D");
  await page.screenshot({ path: "test-results/screenshots/fix-seed.png", fullPage: true });

  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  expect(download.suggestedFilename()).toBe("deeplabv3_mnv2_pascal_513_os8_google_original.fixed.tflite");
  const path = await download.path();
  const fixed = readFileSync(path);
  await dropBytes(page, download.suggestedFilename(), fixed);
  await expect(page.locator("#model-name")).toHaveText(download.suggestedFilename());
  const listing = page.locator("#run-order");
  await expect(listing).toContainText("Replacing 72 out of 72 node(s)");
  const rows = ((await listing.textContent()) ?? "").split("\n").filter((l) => l.includes("]:"));
  expect(rows.map((r) => r.trim())).toEqual(["TfLiteNnapiDelegate\t[ArgMax]:72"]);
});

test("turning a fix off changes the proposal", async ({ page }) => {
  await openPage(page);
  await dropFile(page, DEEPLAB("deeplabv3_mnv2_pascal_513_os8_google_original.tflite"));
  await seedTarget(page);
  await expect(page.locator("#changes tbody tr")).toHaveCount(5);
  await page.uncheck("#fix-toggles input[value=avg-pool-window]");
  await expect(page.locator("#changes tbody tr")).toHaveCount(4);
  await expect(page.locator("#not-fixed")).toContainText("avg-pool-window is turned off");
  await expect(page.locator("#after-verdict")).toContainText("2 NNAPI partitions");
});
