import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./cli-support.ts";

// A source that answers a region nested thousands of levels deep (issue 7, item 1's sibling in
// the command line): one line and exit 2, not a stack overflow.
describe("import --source with a source answering a deep document", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const deep = `${"[".repeat(20_000)}${"]".repeat(20_000)}`;
    const page = `{"total":1,"data":[{"region_name":"deep","region_alias":"x","desc":${deep}}]}`;
    server = createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(page);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("is refused in one line naming the depth, before the gateway is called", async () => {
    const r = await runCli([
      "import",
      "--source",
      `${url}/openapi/v2/manage/regions`,
      "--source-format",
      "rainbond",
      "--url",
      "http://127.0.0.1:9", // never reached
      "--token",
      "t",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/nested more than 66 levels deep \(at data\[0\]\.desc/);
  });
});
