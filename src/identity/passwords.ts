import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { GatewayError } from "../domain/errors.ts";
import { isStorableText } from "../domain/region.ts";

/** Salted scrypt (N=2^15, r=8, p=1): "scrypt$N$r$p$salt$hash", all base64. */
const N = 32768;
const r = 8;
const p = 1;
const keyLength = 32;
const maxmem = 64 * 1024 * 1024;

function derive(password: string, salt: Buffer, n: number, rr: number, pp: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keyLength, { N: n, r: rr, p: pp, maxmem }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

// Verified against when the user does not exist, so a wrong user name costs as much as a wrong password.
const dummyHash = `scrypt$${N}$${r}$${p}$${Buffer.alloc(16).toString("base64")}$${Buffer.alloc(keyLength).toString("base64")}`;

/**
 * Password checks (and hashes) are deliberately expensive, and anyone may ask for one: at most two run at
 * once (this is a 2-core service) and 32 wait; beyond that the caller is told to retry (429)
 * rather than the thread pool queueing without bound.
 */
const maxRunning = 2;
const maxWaiting = 32;
let running = 0;
const waiting: Array<() => void> = [];

async function withSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= maxRunning) {
    if (waiting.length >= maxWaiting) {
      throw new GatewayError("too_many_requests", "Too many authentication attempts at once; retry in a moment.");
    }
    await new Promise<void>((resolve) => waiting.push(resolve)); // a finishing check hands over its slot
  } else {
    running++;
  }
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** Hashing a new password costs what a check costs: it waits in the same bounded queue. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await withSlot(() => derive(password, salt, N, r, p));
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  const [scheme, n, rr, pp, salt, hash] = (stored ?? dummyHash).split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = await withSlot(() => derive(password, Buffer.from(salt, "base64"), Number(n), Number(rr), Number(pp)));
  // a lone surrogate is hashed as U+FFFD: such a password matches nothing (none can be created)
  const asSent = isStorableText(password);
  return (
    actual.length === expected.length && timingSafeEqual(actual, expected) && stored !== undefined && stored !== null && asSent
  );
}
