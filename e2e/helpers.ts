import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Page } from "@playwright/test";

export const SHARED = resolve(process.env.DD_SHARED ?? "../shared");
export const DEEPLAB = (name: string) => resolve(SHARED, "models/deeplab", name);

/** Opens the page and waits until the wasm analyser is ready. */
export async function openPage(page: Page, path = "/index.html"): Promise<void> {
  await page.goto(path);
  await page.waitForSelector("body[data-ready=true]");
}

/** Drops bytes on the drop zone through a real DataTransfer drop event. */
export async function dropBytes(page: Page, name: string, bytes: Buffer | Uint8Array): Promise<void> {
  const b64 = Buffer.from(bytes).toString("base64");
  const dt = await page.evaluateHandle(
    ({ b64, name }) => {
      const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bin], name));
      return dt;
    },
    { b64, name },
  );
  await page.dispatchEvent("#drop", "dragover", { dataTransfer: dt });
  await page.dispatchEvent("#drop", "drop", { dataTransfer: dt });
}

export async function dropFile(page: Page, path: string): Promise<void> {
  await dropBytes(page, path.split("/").pop() ?? "model.tflite", readFileSync(path));
}
