import { randomBytes } from "node:crypto";
import postgres from "postgres";

/**
 * A new, empty PostgreSQL database made through `adminUrl` (a role that may create databases),
 * named `<prefix>_<random hex>`: its URL, and how to drop it (connections still open on it are
 * ended: `with (force)`). The tests' PostgreSQL backend, the real-client gateways and the
 * benchmarks make theirs here.
 */
export async function throwAwayDatabase(adminUrl: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}
