import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway, stopGateway } from "./support/process.ts";

// Debian's chromium; .ci/run installs it when missing
const chromiumPath = "/usr/bin/chromium";
const hasChromium = existsSync(chromiumPath);
const flags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const local = new Set(["127.0.0.1", "localhost", "[::1]"]);

// The docs page as an operator opens it: a real gateway process, a real browser, no internet.
describe("GET /docs (real process, headless Chromium, every non-local request blocked)", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "rg-docs-"));
  const shots = mkdtempSync(path.join(tmpdir(), "rg-docs-shot-"));
  let gw: RunningGateway;
  let browser: Browser | undefined;
  beforeAll(async () => {
    gw = await startGateway({ DATA_DIR: dataDir });
  });
  afterAll(async () => {
    await browser?.close();
    if (gw) await stopGateway(gw);
    rmSync(dataDir, { recursive: true, force: true });
    // the screenshot is for a person to look at: kept only when asked for (KEEP_DOCS_SHOT=1)
    if (!process.env.KEEP_DOCS_SHOT) rmSync(shots, { recursive: true, force: true });
  });

  it("serves the document and the page's assets itself, without a token", async () => {
    const doc = await fetch(`${gw.url}/openapi.json`);
    expect(doc.status).toBe(200);
    const { openapi, info } = (await doc.json()) as { openapi: string; info: { version: string } };
    expect(openapi).toBe("3.1.0");
    // the package's version, as --version prints it
    const pkg = JSON.parse(readFileSync(path.join(import.meta.dirname, "..", "package.json"), "utf8")) as { version: string };
    expect(info.version).toBe(pkg.version);
    const page = await fetch(`${gw.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("Content-Type")).toMatch(/^text\/html/);
    const html = await page.text();
    // every script and stylesheet is the gateway's own
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) expect(src).toMatch(/^\/docs\//);
    // the assets are named with swagger-ui-dist's version, and kept by the browser: the 1.7 MB
    // bundle is fetched once per version, not on every visit; the page itself is never kept
    const ui = JSON.parse(
      readFileSync(path.join(import.meta.dirname, "..", "node_modules/swagger-ui-dist/package.json"), "utf8"),
    ) as {
      version: string;
    };
    for (const src of sources) expect(src).toContain(`?v=${ui.version}`);
    expect(page.headers.get("Cache-Control")).toBe("no-store");
    const bundle = await fetch(`${gw.url}/docs/swagger-ui-bundle.js?v=${ui.version}`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("Content-Type")).toMatch(/^application\/javascript/);
    expect(bundle.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    // another version's name is not this one: not to be kept
    const other = await fetch(`${gw.url}/docs/swagger-ui-bundle.js?v=0.0.1`);
    expect(other.status).toBe(200);
    expect(other.headers.get("Cache-Control")).toBe("no-store");
    await other.arrayBuffer();
    expect((await fetch(`${gw.url}/docs/package.json`)).status).toBe(404);
    expect((await fetch(`${gw.url}/docs/..%2Fpackage.json`)).status).toBe(404);
  });

  it.skipIf(!hasChromium)(
    `shows the Keystone and Rainbond region operations with examples, offline${hasChromium ? "" : ` (skipped: no ${chromiumPath}; .ci/run installs the chromium package)`}`,
    async () => {
      browser = await chromium.launch({ executablePath: chromiumPath, args: flags });
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const attempted: string[] = [];
      await context.route("**/*", (route) => {
        const url = new URL(route.request().url());
        if (local.has(url.hostname)) return route.continue();
        attempted.push(url.href);
        return route.abort("blockedbyclient");
      });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));

      await page.goto(`${gw.url}/docs`, { waitUntil: "load" });
      const op = (method: string, p: string) => page.locator(`.opblock-${method} .opblock-summary-path[data-path="${p}"]`);
      for (const [method, p] of [
        ["get", "/v3/regions"],
        ["post", "/v3/regions"],
        ["patch", "/v3/regions/{id}"],
        ["get", "/openapi/v1/regions"],
        ["get", "/openapi/v2/manage/regions"],
        ["put", "/openapi/v2/manage/regions/{id}"],
      ] as const) {
        await expect.poll(() => op(method, p).count(), { timeout: 30_000 }).toBeGreaterThan(0);
      }
      // open one operation of each dialect: its example answer is shown
      await op("get", "/v3/regions/{id}").first().click();
      await op("get", "/openapi/v2/manage/regions/{id}").first().click();
      const examples = page.locator(".opblock.is-open .microlight");
      await expect.poll(() => examples.count(), { timeout: 30_000 }).toBeGreaterThan(1);
      const shown = (await examples.allInnerTexts()).join("\n");
      expect(shown).toContain('"locales"'); // Keystone's region
      expect(shown).toContain('"region_alias"'); // Rainbond's region
      const shot = path.join(shots, "docs.png");
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: shot, fullPage: false });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      if (process.env.KEEP_DOCS_SHOT) console.log(`docs page screenshot: ${shot}`);

      expect(attempted).toEqual([]);
      expect(errors).toEqual([]);
    },
    120_000,
  );
});
