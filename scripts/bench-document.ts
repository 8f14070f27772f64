import { randomBytes } from "node:crypto";

/**
 * The benchmarks' import document (scripts/bench.ts, scripts/bench-import.ts): one place, so that
 * both measure the same thing.
 */

/** A certificate-like block of random base64 (real certificates do not compress or repeat). */
const pem = (label: string, bytes: number) =>
  `-----BEGIN ${label}-----\n${(
    randomBytes(bytes)
      .toString("base64")
      .match(/.{1,64}/g) ?? []
  ).join("\n")}\n-----END ${label}-----`;

/**
 * A canonical document of `n` regions with every field (two certificates, a key and a token
 * each, locales, extras; one parent per ten regions, children listed before their parents).
 */
export function documentOf(n: number, prefix = "bench"): string {
  const regions = [];
  const name = (i: number) => `${prefix}-${String(i).padStart(5, "0")}`;
  for (let i = n - 1; i >= 0; i--) {
    regions.push({
      name: name(i),
      alias: `区域 ${i}`,
      locales: { "en-us": `Region ${i}`, "pt-br": `Região ${i}` },
      description: `benchmark region ${i}`,
      scope: i % 3 === 0 ? "private" : "public",
      status: "enabled",
      parentName: i % 10 === 0 ? null : name(i - (i % 10)),
      apiUrl: `https://r${i}.example.com:8443`,
      wsUrl: `wss://r${i}.example.com:6060`,
      httpDomain: `apps${i}.example.com`,
      tcpDomain: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      caCert: pem("CERTIFICATE", 900),
      clientCert: pem("CERTIFICATE", 900),
      clientKey: pem("PRIVATE KEY", 1200),
      regionToken: randomBytes(20).toString("hex"),
      enterpriseId: "ent-bench",
      extra: { tier: i % 2 ? "gold" : "silver" },
    });
  }
  return JSON.stringify(regions);
}
