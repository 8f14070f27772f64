import { describe, expect, it } from "vitest";
import { createSecretBox, parseSecretKey } from "../../src/domain/secret-box.ts";
import { issueToken, readToken } from "../../src/identity/issued-tokens.ts";
import { hashPassword, verifyPassword } from "../../src/identity/passwords.ts";

const box = createSecretBox(Buffer.alloc(32, 1));

describe("secret box (AES-256-GCM)", () => {
  it("seals to ciphertext that differs every time and opens back", () => {
    const a = box.seal("-----BEGIN PRIVATE KEY-----\nsecret\n");
    const b = box.seal("-----BEGIN PRIVATE KEY-----\nsecret\n");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1:/);
    expect(a).not.toContain("secret");
    expect(box.open(a)).toBe("-----BEGIN PRIVATE KEY-----\nsecret\n");
  });

  it("gives every seal its own IV, across thousands of seals (an import's), and opens every one back", () => {
    const plains = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? "" : `密钥 ${i} ${"k".repeat(i % 50)}`));
    const sealed = plains.map((p) => box.seal(p));
    const ivs = new Set(sealed.map((s) => Buffer.from(s.slice(3), "base64").subarray(0, 12).toString("hex")));
    expect(ivs.size).toBe(plains.length);
    expect(sealed.map((s) => box.open(s))).toEqual(plains);
  });

  it("refuses tampered ciphertext, another key, and unsealed text", () => {
    const sealed = box.seal("value");
    const raw = Buffer.from(sealed.slice(3), "base64");
    raw[raw.length - 1] = (raw[raw.length - 1] as number) ^ 1;
    expect(() => box.open(`v1:${raw.toString("base64")}`)).toThrow();
    expect(() => createSecretBox(Buffer.alloc(32, 2)).open(sealed)).toThrow();
    expect(() => box.open("value")).toThrow(/not a sealed secret/);
  });

  it("reads SECRET_KEY as 64 hex characters or base64 of 32 bytes, nothing else", () => {
    expect(parseSecretKey("ab".repeat(32))).toHaveLength(32);
    expect(parseSecretKey(Buffer.alloc(32, 9).toString("base64"))).toHaveLength(32);
    expect(() => parseSecretKey("short")).toThrow(/SECRET_KEY/);
  });
});

describe("passwords (salted scrypt)", () => {
  it("verifies the right password only, with a different salt each time", async () => {
    const h1 = await hashPassword("correct horse");
    const h2 = await hashPassword("correct horse");
    expect(h1).not.toBe(h2);
    expect(h1).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(h1).not.toContain("correct horse");
    expect(await verifyPassword("correct horse", h1)).toBe(true);
    expect(await verifyPassword("wrong horse", h1)).toBe(false);
    expect(await verifyPassword("anything", null)).toBe(false);
  });
});

describe("issued Keystone tokens", () => {
  const key = box.derive("keystone-token");
  it("carry their payload, signed", () => {
    const { token, payload } = issueToken(key, { cred: "c1", methods: ["password"], iat: 1, exp: 2 });
    expect(readToken(key, token)).toEqual(payload);
    expect(payload.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
  it("are refused when altered or signed with another key", () => {
    const { token } = issueToken(key, { cred: "c1", methods: ["password"], iat: 1, exp: 2 });
    const [head, body, sig] = token.split(".") as [string, string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, "base64url").toString()), cred: "admin" }),
    ).toString("base64url");
    expect(readToken(key, `${head}.${forged}.${sig}`)).toBeNull();
    expect(readToken(box.derive("other"), token)).toBeNull();
    expect(readToken(key, "not-a-token")).toBeNull();
  });
});
