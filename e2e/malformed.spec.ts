import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { dropBytes, openPage } from "./helpers";

// Every file of the malformed corpus that must be refused shows the same error the CLI gives,
// inline, and the page (and its worker) keeps working; hostile files that do read get a report.
const manifest = readFileSync("tests/malformed/expected.tsv", "utf8")
  .split("\n")
  .filter((l) => l && !l.startsWith("#"))
  .map((l) => l.split("\t"));
const rejected = manifest.filter(([, stage]) => stage === "read");
const accepted = manifest.filter(([, stage]) => stage === "analyze").slice(0, 12);

test("every malformed file is refused inline with its message", async ({ page }) => {
  test.setTimeout(180_000);
  await openPage(page);
  expect(rejected.length).toBeGreaterThan(50);
  for (const [file, , text] of rejected) {
    await dropBytes(page, file, readFileSync(`tests/malformed/${file}`));
    const error = page.locator("#error");
    await expect(error, file).toBeVisible();
    await expect(error, file).toContainText(`${file}: `);
    await expect(error, file).toContainText(text);
    expect((await error.textContent())?.split("\n").length, file).toBe(1);
  }
  // The worker survived all of them.
  await dropBytes(page, "ok.tflite", readFileSync("e2e/fixtures/html-names.tflite"));
  await expect(page.locator("#op-table tbody tr")).toHaveCount(1);
});

test("hostile files that read are analysed without breaking the page", async ({ page }) => {
  test.setTimeout(180_000);
  await openPage(page);
  for (const [file] of accepted) {
    await dropBytes(page, file, readFileSync(`tests/malformed/${file}`));
    await expect(page.locator("#model-name"), file).toHaveText(file);
    await expect(page.locator("#verdict"), file).not.toBeEmpty();
  }
});
