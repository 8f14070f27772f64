import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Real certificates for the tests, made with Debian's `openssl` once per test process: a CA,
 * client certificates it signs (valid, renewed with the same key, expiring in 10 days, expired
 * since 2021) and keys, and a certificate signed by another CA.
 */
export interface TestCertificates {
  ca: string;
  cert: string;
  key: string;
  /** a second certificate for `key` (a renewal) */
  renewed: string;
  otherKey: string;
  expiring: string;
  expiringKey: string;
  expired: string;
  expiredKey: string;
  /** signed by a CA other than `ca` */
  foreign: string;
  foreignKey: string;
}

let made: TestCertificates | undefined;

export function testCertificates(): TestCertificates {
  made ??= make();
  return made;
}

function make(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "rg-certs-"));
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const read = (f: string) => readFileSync(join(dir, f), "utf8").trim();
  const newKey = (name: string) => run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name);
  try {
    writeFileSync(
      join(dir, "ca.cnf"),
      "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\ndefault_md = sha256\npolicy = p\nunique_subject = no\n[p]\ncommonName = supplied\n",
    );
    writeFileSync(join(dir, "index.txt"), "");
    writeFileSync(join(dir, "serial"), "1000\n");
    const selfSigned = (name: string) => {
      newKey(`${name}.key`);
      run("req", "-x509", "-key", `${name}.key`, "-out", `${name}.pem`, "-days", "3650", "-subj", `/CN=${name}`);
    };
    selfSigned("ca");
    selfSigned("other-ca");
    // signs `key` for CN=name with the given CA and validity (openssl ca takes explicit dates)
    const sign = (name: string, key: string, ca: string, start: string, end: string) => {
      run("req", "-new", "-key", key, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
      run(
        "ca",
        ...["-batch", "-config", "ca.cnf", "-cert", `${ca}.pem`, "-keyfile", `${ca}.key`, "-in", `${name}.csr`],
        ...["-out", `${name}.pem`, "-startdate", start, "-enddate", end, "-notext"],
      );
      return read(`${name}.pem`);
    };
    const stamp = (d: Date) => `${d.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;
    const now = Date.now();
    const from = stamp(new Date(now - 86_400_000));
    const inDays = (n: number) => stamp(new Date(now + n * 86_400_000));
    for (const k of ["client", "other", "soon", "old", "foreign"]) newKey(`${k}.key`);
    return {
      ca: read("ca.pem"),
      cert: sign("client", "client.key", "ca", from, inDays(365)),
      key: read("client.key"),
      renewed: sign("client-renewed", "client.key", "ca", from, inDays(730)),
      otherKey: read("other.key"),
      expiring: sign("soon", "soon.key", "ca", from, inDays(10)),
      expiringKey: read("soon.key"),
      expired: sign("old", "old.key", "ca", "20200101000000Z", "20210101000000Z"),
      expiredKey: read("old.key"),
      foreign: sign("foreign", "foreign.key", "other-ca", from, inDays(365)),
      foreignKey: read("foreign.key"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
