import { expect, test } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
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

test("Copy report as Markdown copies what the CLI's fix --format md prints", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await openPage(page);
  const model = DEEPLAB("deeplabv3_mnv2_pascal_513_os8_google_original.tflite");
  await dropFile(page, model);
  await seedTarget(page);
  await expect(page.locator("#changes tbody tr")).toHaveCount(5);
  await page.click("#copy-report");
  await expect(page.locator("#fix-status")).toHaveText("Report copied.");
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  // The page asks for the fixes whose boxes are checked: the CLI gets the same list.
  const only = await page.locator("#fix-toggles input[name=fix]:checked").evaluateAll((boxes) =>
    boxes.map((b) => (b as HTMLInputElement).value),
  );
  const out = join(mkdtempSync(join(tmpdir(), "dd-md-")), "fixed.tflite");
  const cli = execFileSync(
    resolve("target/debug/delegate-doctor"),
    ["fix", model, "-o", out, "--sdk", "29", "--disable-nnapi-cpu=false", "--max-delegated-partitions", "3",
      "--only", only.join(","), "--format", "md"],
    { encoding: "utf8" },
  );
  expect(copied).toBe(cli);
  expect(copied).toContain("### Plan after the fixes");
});
