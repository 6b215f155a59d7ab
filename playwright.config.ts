import { defineConfig } from "@playwright/test";

// Debian's chromium, never a downloaded browser; flags keep it off the (closed) network.
export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  timeout: 60_000,
  workers: 2,
  reporter: [["list"], ["json", { outputFile: "test-results/e2e.json" }]],
  use: {
    baseURL: "http://127.0.0.1:8765",
    browserName: "chromium",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
      ],
    },
  },
  webServer: {
    command: "python3 -m http.server 8765 --bind 127.0.0.1 --directory dist",
    url: "http://127.0.0.1:8765/index.html",
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "ignore",
  },
});
