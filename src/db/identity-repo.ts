import { and, desc, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { Credential } from "../domain/credential.ts";
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
 * chunk is one statement with one JSON parameter read by json_populate_recordset, which keeps
 * both the query building and the memory of one statement small whatever the import's size.
 */
export async function insertAudit(
  tx: Tx,
  entries: AuditEntry[],
  jsonParam: (text: string) => unknown = (text) => text,
  chunkSize = 250,
): Promise<void> {
  if (entries.length === 0) return;
  if (entries.length === 1) {
    await tx.insert(auditLog).values(entries);
    return;
  }
  for (let i = 0; i < entries.length; i += chunkSize) {
    const json = jsonParam(
      JSON.stringify(
        entries.slice(i, i + chunkSize).map((e) => ({
          actor_id: e.actorId,
          actor_name: e.actorName,
          dialect: e.dialect,
          action: e.action,
          subject: e.subject,
          before: e.before ?? null,
          after: e.after ?? null,
        })),
      ),
    );
    await tx.execute(sql`
      insert into audit_log (actor_id, actor_name, dialect, action, subject, before, after)
      select actor_id, actor_name, dialect, action, subject, before, after
      from json_populate_recordset(null::audit_log, ${json}::json) with ordinality as x
      order by ordinality`);
  }
}

export async function readAudit(tx: Tx, filter: { subject?: string | undefined; limit: number }) {
  const where = filter.subject === undefined ? undefined : eq(auditLog.subject, filter.subject);
  return tx.select().from(auditLog).where(where).orderBy(desc(auditLog.id)).limit(filter.limit);
}
