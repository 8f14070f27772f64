import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/**
 * AES-256-GCM for secrets at rest (region key_file and token, access-key SKs).
 * Sealed form: "v1:" + base64(iv[12] | tag[16] | ciphertext).
 */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
  /** a subkey for another purpose (e.g. signing issued tokens), derived with HKDF */
  derive(purpose: string): Buffer;
}

const prefix = "v1:";

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error("SECRET_KEY must be 32 bytes");
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const ct = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return prefix + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString("base64");
    },
    open(sealed) {
      if (!sealed.startsWith(prefix)) throw new Error("not a sealed secret");
      const raw = Buffer.from(sealed.slice(prefix.length), "base64");
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
      } catch {
        throw new Error(
          "a stored secret cannot be opened: SECRET_KEY is not the key it was sealed with (or the value was altered)",
        );
      }
    },
    derive(purpose) {
      return Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), `region-gateway:${purpose}`, 32));
    },
  };
}

/** SECRET_KEY: 64 hex characters or base64 of 32 bytes. */
export function parseSecretKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, "hex") : Buffer.from(t, "base64");
  if (key.length !== 32) throw new Error("SECRET_KEY must be 64 hex characters or base64 of 32 bytes");
  return key;
}

export const generateSecretKey = (): string => randomBytes(32).toString("hex");
