import { describe, expect, it } from "vitest";
import { loadConfig, startupWarnings } from "../src/config.ts";

describe("start-up warnings", () => {
  it("without PUBLIC_URL on a non-loopback address, links would follow the request's Host: say so", () => {
    for (const HOST of ["0.0.0.0", "::", "10.1.2.3", "gateway.example.com"]) {
      const warnings = startupWarnings(loadConfig({ HOST }));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/PUBLIC_URL is not set/);
    }
  });

  it("is quiet on loopback, or when PUBLIC_URL is set", () => {
    for (const HOST of ["127.0.0.1", "127.0.0.2", "::1", "localhost"]) expect(startupWarnings(loadConfig({ HOST }))).toEqual([]);
    expect(startupWarnings(loadConfig({ HOST: "0.0.0.0", PUBLIC_URL: "https://gw.example.com" }))).toEqual([]);
  });
});
