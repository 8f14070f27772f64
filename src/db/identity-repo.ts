import { and, desc, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { Credential } from "../domain/credential.ts";
import type { BulkDriver } from "./client.ts";
import type { Tx } from "./regions-repo.ts";
import { auditLog, credentials, tokenRevocations } from "./schema.ts";

type NewCredentialRow = typeof credentials.$inferInsert;

/** Live credentials (not revoked) and unexpired token revocations: the identity snapshot's source. */
export async function loadIdentity(tx: Tx): Promise<{ credentials: Credential[]; revokedTokens: string[] }> {
  const rows = await tx.select().from(credentials).where(isNull(credentials.revokedAt)).orderBy(credentials.createdAt);
  const revoked = await tx
    .select({ tokenId: tokenRevocations.tokenId })
    .from(tokenRevocations)
    // a day's margin: the gateway's clock (which judges token expiry) may run behind the database's
    .where(gt(tokenRevocations.expiresAt, sql`now() - interval '1 day'`));
  return { credentials: rows, revokedTokens: revoked.map((r) => r.tokenId) };
}

export async function insertCredential(tx: Tx, row: NewCredentialRow): Promise<Credential> {
  const [created] = await tx.insert(credentials).values(row).returning();
  if (!created) throw new Error("insert returned no row");
  return created;
}

/** Revokes a live credential; frees its user name for reuse. Returns it as it was, or null. */
export async function revokeCredential(tx: Tx, id: string): Promise<Credential | null> {
  const [before] = await tx
    .select()
    .from(credentials)
    .where(and(eq(credentials.id, id), isNull(credentials.revokedAt)));
  if (!before) return null;
  await tx.update(credentials).set({ revokedAt: sql`now()`, userName: null }).where(eq(credentials.id, id));
  return before;
}

export async function withdrawGrants(tx: Tx, names: string[]): Promise<number> {
  if (names.length === 0) return 0;
  const list = sql.join(
    names.map((n) => sql`${n}`),
    sql`, `,
  );
  const changed = await tx
    .update(credentials)
    .set({ privateRegions: sql`${credentials.privateRegions} - array[${list}]::text[]` })
    .where(sql`${credentials.privateRegions} ?| array[${list}]::text[]`)
    .returning({ id: credentials.id });
  return changed.length;
}

export async function insertRevocation(tx: Tx, tokenId: string, expiresAt: string): Promise<void> {
  await tx.insert(tokenRevocations).values({ tokenId, expiresAt }).onConflictDoNothing();
  await tx.delete(tokenRevocations).where(lt(tokenRevocations.expiresAt, sql`now() - interval '1 day'`));
}

export interface AuditEntry {
  actorId: string;
  actorName: string;
  dialect: string;
  action: string;
  subject: string;
  before: unknown;
  after: unknown;
}

/**
 * Writes audit entries. One entry (every single write): an ordinary insert. Many (imports): each
 * chunk of 500 is one `insert … values` statement with a parameter per value, sent to the driver
 * itself (BulkDriver), the next chunk made while the database runs the previous one; `before` and
 * `after` go as JSON text, read once, by jsonb's input. Entries keep their order (ids ascend).
 */
export async function insertAudit(tx: Tx, entries: AuditEntry[], bulk: BulkDriver, chunkSize = 500): Promise<void> {
  if (entries.length === 0) return;
  if (entries.length === 1) {
    await tx.insert(auditLog).values(entries);
    return;
  }
  const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
  let previous: Promise<unknown> | null = null;
  for (let i = 0; i < entries.length; i += chunkSize) {
    const chunk = entries.slice(i, i + chunkSize);
    const params: unknown[] = new Array(chunk.length * auditColumns.length);
    let at = 0;
    for (const e of chunk) {
      params[at++] = e.actorId;
      params[at++] = e.actorName;
      params[at++] = e.dialect;
      params[at++] = e.action;
      params[at++] = e.subject;
      params[at++] = json(e.before);
      params[at++] = json(e.after);
    }
    const done = bulk.query(tx, auditStatement(chunk.length), params);
    done.catch(() => {});
    if (previous) await previous;
    previous = done;
  }
  await previous;
}

const auditColumns = ["actor_id", "actor_name", "dialect", "action", "subject", "before", "after"];
const auditStatements = new Map<number, string>();
/** `insert into audit_log (…) values ($1, …), …` for `rows` entries (made once per size). */
function auditStatement(rows: number): string {
  let text = auditStatements.get(rows);
  if (text === undefined) {
    const n = auditColumns.length;
    const tuples = Array.from({ length: rows }, (_, r) => `(${auditColumns.map((_, c) => `$${r * n + c + 1}`).join(", ")})`);
    text = `insert into audit_log (${auditColumns.join(", ")}) values ${tuples.join(", ")}`;
    auditStatements.set(rows, text);
  }
  return text;
}

export async function readAudit(tx: Tx, filter: { subject?: string | undefined; limit: number }) {
  const where = filter.subject === undefined ? undefined : eq(auditLog.subject, filter.subject);
  return tx.select().from(auditLog).where(where).orderBy(desc(auditLog.id)).limit(filter.limit);
}
