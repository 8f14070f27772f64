import { z } from "zod";
import { GatewayError } from "./errors.ts";

/** Lifecycle of a region; Rainbond sends it as "0".."3". */
export const regionStatuses = ["editing", "enabled", "disabled", "maintenance"] as const;
export type RegionStatus = (typeof regionStatuses)[number];

export const regionScopes = ["public", "private"] as const;
export type RegionScope = (typeof regionScopes)[number];

/** Locale used when a dialect needs one display name and `locales` has none. */
export const defaultLocale = "zh-cn";

// PostgreSQL text and jsonb cannot hold U+0000 nor a lone UTF-16 surrogate (not valid UTF-8):
// refuse them up front, a clear 400 rather than a driver error or a silent U+FFFD.
export const unstorableMessage = "must not contain the NUL character or a lone UTF-16 surrogate";
/**
 * Whether PostgreSQL text can hold `v` (and so whether it may be sent to SQL at all): no NUL, no
 * lone surrogate. Both tests are V8's own loops (a string without any character over U+00FF has
 * no surrogate to look for), several times faster than a regular expression over the
 * certificates of a 10,000-region import.
 */
export const isStorableText = (v: string): boolean =>
  !v.includes("\u0000") && (v as unknown as { isWellFormed(): boolean }).isWellFormed();
/** What can be wrong with a region name, whatever the dialect (each words it its own way). */
export type NameProblem = "slash_or_control" | "padded" | "unstorable" | "dot_segment";

// a name travels in URL paths of both dialects: no "/", no control characters (C0, DEL or C1)
const slashOrControl = /[/\u0000-\u001f\u007f-\u009f]/;

/**
 * The one rule for a region's name (and anything that travels where a name does, as Rainbond's
 * region_id), length aside: each dialect has its own limit and words every problem its own way.
 * Every problem, in this order: "/" or a control character (C0, DEL or C1: names travel in URL
 * paths); surrounding whitespace (Rainbond trims what it reads: a padded name could not
 * round-trip); what PostgreSQL cannot store; "." or ".." (URL parsing removes those path
 * segments: such a region could never be addressed).
 */
export function nameProblems(v: string): NameProblem[] {
  const problems: NameProblem[] = [];
  if (slashOrControl.test(v)) problems.push("slash_or_control");
  if (v.trim() !== v) problems.push("padded");
  if (!isStorableText(v)) problems.push("unstorable");
  if (v === "." || v === "..") problems.push("dot_segment");
  return problems;
}

/** The canonical (and Keystone's) wording of each name problem. */
export const nameProblemMessages: Record<NameProblem, string> = {
  slash_or_control: "must not contain '/' or control characters",
  padded: "must not start or end with whitespace",
  unstorable: unstorableMessage,
  dot_segment: "must not be '.' or '..'",
};

export const regionNameSchema = z
  .string()
  .min(1)
  .max(255)
  .superRefine((v, ctx) => {
    for (const p of nameProblems(v)) ctx.addIssue({ code: "custom", message: nameProblemMessages[p] });
  });

const text = () => z.string().refine(isStorableText, unstorableMessage);
const maxExtraDepth = 32;

/**
 * What is wrong with a JSON value for storage, or null: depth, NUL, lone surrogates (iterative).
 * `depth` is the value's own level in a region's `extra` (0: `extra` itself).
 */
export function storageProblem(root: unknown, depth = 0): string | null {
  const stack: Array<[unknown, number]> = [[root, depth]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v === "string") {
      if (!isStorableText(v)) return unstorableMessage;
    } else if (typeof v === "object" && v !== null) {
      if (depth >= maxExtraDepth) return `must not be nested more than ${maxExtraDepth} levels deep`;
      for (const [k, x] of Object.entries(v)) {
        if (!isStorableText(k)) return unstorableMessage;
        stack.push([x, depth + 1]);
      }
    }
  }
  return null;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * `locales` and `extra` are judged as given, never through a copy: zod's records copy by
 * assignment, and an own "__proto__" key would become the copy's prototype and escape the checks
 * while the original went to the database.
 */
const storableObject = <T extends Record<string, unknown>>(isValid: (v: Record<string, unknown>) => boolean, message: string) =>
  z
    .custom<T>((v) => isPlainObject(v) && isValid(v), message)
    .superRefine((v, ctx) => {
      const problem = storageProblem(v);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });

/** The canonical region: the union of what both dialects can say about a region. */
export const regionSchema = z.object({
  uid: text().min(1).max(36),
  name: regionNameSchema,
  alias: text().max(255),
  locales: storableObject<Record<string, string>>(
    (v) => Object.values(v).every((x) => typeof x === "string"),
    "must be an object of strings",
  ),
  description: text().max(255),
  scope: z.enum(regionScopes),
  status: z.enum(regionStatuses),
  parentName: regionNameSchema.nullable(),
  apiUrl: text(),
  wsUrl: text(),
  httpDomain: text(),
  tcpDomain: text(),
  caCert: text().nullable(),
  clientCert: text().nullable(),
  clientKey: text().nullable(),
  regionToken: text().nullable(),
  enterpriseId: text().max(36).nullable(),
  extra: storableObject<Record<string, unknown>>(() => true, "must be an object"),
  revision: z.number().int().min(0),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Region = z.infer<typeof regionSchema>;

/** What a writer supplies; the store owns revision and timestamps. */
export type RegionInput = Omit<Region, "revision" | "createdAt" | "updatedAt">;
/** A partial change; `name` and `uid` are immutable. */
export type RegionChanges = Partial<Omit<RegionInput, "name" | "uid">>;

export const secretFields = ["clientKey", "regionToken"] as const satisfies readonly (keyof Region)[];

/** What stands in for a secret wherever a record is shown without it (audit trail, import reports). */
export const redactedMarker = "[redacted]";

const regionInputSchema = regionSchema.omit({ revision: true, createdAt: true, updatedAt: true });

/** The fields a writer supplies, in the schema's order (the table in docs/design.md). */
export const regionInputFields = Object.keys(regionInputSchema.shape) as (keyof RegionInput)[];

/**
 * The canonical rules for a region a writer supplies: a 400 naming the first problem, with every
 * problem by field. The catalogue applies it to every write, the migration toolkit to every record.
 */
export function checkRegionInput(input: RegionInput): void {
  if (meetsRegionRules(input)) return;
  const result = regionInputSchema.safeParse(input);
  if (result.success) return;
  const fields: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? "region");
    fields[key] = [...(fields[key] ?? []), issue.message];
  }
  const first = result.error.issues[0];
  throw new GatewayError("validation", `invalid region: ${first?.path.join(".")}: ${first?.message}`, { fields });
}

const storableUpTo = (v: unknown, max: number): boolean => typeof v === "string" && v.length <= max && isStorableText(v);
const storableOrNull = (v: unknown): boolean => v === null || (typeof v === "string" && isStorableText(v));
const validName = (v: unknown): boolean =>
  typeof v === "string" && v.length >= 1 && v.length <= 255 && nameProblems(v).length === 0;
const storableRecord = (v: unknown, ofStrings: boolean): boolean =>
  isPlainObject(v) && (!ofStrings || Object.values(v).every((x) => typeof x === "string")) && storageProblem(v) === null;

/**
 * Whether `input` meets every rule of the region schema, decided without zod: the same rules as
 * regionInputSchema, field by field (a property test holds the two to the same answer). Valid
 * input, nearly every record of an import, is then checked in a fraction of zod's time (whose
 * parse of 10,000 records took 240 ms on a cold gateway); zod still words every problem.
 */
export function meetsRegionRules(input: RegionInput): boolean {
  const r = input as unknown as Record<string, unknown>;
  return (
    typeof r.uid === "string" &&
    r.uid.length >= 1 &&
    storableUpTo(r.uid, 36) &&
    validName(r.name) &&
    storableUpTo(r.alias, 255) &&
    storableRecord(r.locales, true) &&
    storableUpTo(r.description, 255) &&
    regionScopes.includes(r.scope as RegionScope) &&
    regionStatuses.includes(r.status as RegionStatus) &&
    (r.parentName === null || validName(r.parentName)) &&
    storableUpTo(r.apiUrl, Number.POSITIVE_INFINITY) &&
    storableUpTo(r.wsUrl, Number.POSITIVE_INFINITY) &&
    storableUpTo(r.httpDomain, Number.POSITIVE_INFINITY) &&
    storableUpTo(r.tcpDomain, Number.POSITIVE_INFINITY) &&
    storableOrNull(r.caCert) &&
    storableOrNull(r.clientCert) &&
    storableOrNull(r.clientKey) &&
    storableOrNull(r.regionToken) &&
    (r.enterpriseId === null || storableUpTo(r.enterpriseId, 36)) &&
    storableRecord(r.extra, false)
  );
}

/** Defaults for a region that a dialect creates without saying everything. */
export function newRegionInput(name: string, uid: string): RegionInput {
  return {
    uid,
    name,
    alias: name,
    locales: {},
    description: "",
    scope: "private",
    status: "editing",
    parentName: null,
    apiUrl: "",
    wsUrl: "",
    httpDomain: "",
    tcpDomain: "",
    caCert: null,
    clientCert: null,
    clientKey: null,
    regionToken: null,
    enterpriseId: null,
    extra: {},
  };
}

/** A region as the audit trail keeps it: secrets replaced by a marker. */
export function redactRegion(r: Region | null): Record<string, unknown> | null {
  if (!r) return null;
  const out: Record<string, unknown> = { ...r };
  for (const f of secretFields) if (out[f] !== null) out[f] = redactedMarker;
  return out;
}
