import { z } from "zod";
import { type NameProblem, nameProblems, type RegionInput } from "../domain/region.ts";

/**
 * Django REST framework's CharField, as the Rainbond console's serializers apply it:
 * numbers are coerced to strings, booleans/objects refused, whitespace trimmed, then
 * null / blank / length rules, then the field's own validator. Messages are the
 * console's own (zh-hans), because scripts match on them.
 */
export interface DrfCharOptions {
  required?: boolean;
  allowNull?: boolean;
  allowBlank?: boolean;
  max?: number;
  /** returns an error message, or null when the value is acceptable */
  check?: (value: string) => string | null;
}

export const drfMessages = {
  required: "该字段是必填项。",
  null: "该字段不能为 null。",
  blank: "该字段不能为空。",
  invalid: "不是有效的字符串。",
  nullChar: "不允许使用空字符。",
  maxLength: (n: number) => `请确保这个字段不能超过 ${n} 个字符。`,
  surrogate: (unit: string) => `不允许使用代理字符: U+${unit.charCodeAt(0).toString(16).toUpperCase()}。`,
  notAnObject: (got: string) => `无效数据。期待为字典类型，得到的是 ${got} 。`,
};

export function drfChar(options: DrfCharOptions) {
  return z
    .unknown()
    .optional()
    .transform((raw, ctx): string | null | undefined => {
      const fail = (message: string) => {
        ctx.addIssue({ code: "custom", message });
        return z.NEVER;
      };
      if (raw === undefined) return options.required ? fail(drfMessages.required) : undefined;
      if (raw === null) return options.allowNull ? null : fail(drfMessages.null);
      if (typeof raw !== "string" && typeof raw !== "number") return fail(drfMessages.invalid);
      const value = String(raw).trim();
      if (value === "") return options.allowBlank ? "" : fail(drfMessages.blank);
      // DRF runs the field's validators (max length, NUL, lone surrogates) and reports every failure;
      // the serializer's own validate_<field> runs only when they all pass.
      const problems: string[] = [];
      if (options.max !== undefined && [...value].length > options.max) problems.push(drfMessages.maxLength(options.max));
      if (value.includes("\u0000")) problems.push(drfMessages.nullChar);
      const surrogate = loneSurrogate.exec(value);
      if (surrogate) problems.push(drfMessages.surrogate(surrogate[0]));
      if (problems.length > 0) {
        for (const message of problems) ctx.addIssue({ code: "custom", message });
        return z.NEVER;
      }
      const problem = options.check?.(value);
      return problem ? fail(problem) : value;
    })
    .meta(wireSchemaOf(options));
}

/** What the field accepts, as JSON Schema for the OpenAPI document (numbers are taken as strings, as DRF does). */
function wireSchemaOf(options: DrfCharOptions) {
  return {
    type: options.allowNull ? ["string", "number", "null"] : ["string", "number"],
    ...(options.max === undefined ? {} : { maxLength: options.max }),
    ...(options.allowBlank ? {} : { minLength: 1 }),
  };
}

// A UTF-16 surrogate that is not half of a pair (Python's json decodes pairs into one character).
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// The console's validators (openapi/serializer/utils.py), translated from Python `re`.
const urlRegex =
  /^(?:http|ftp|ws)s?:\/\/(?:(?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+(?:[A-Z]{2,6}\.?|[A-Z0-9-]{2,}\.?)|localhost|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?::\d+)?(?:\/?|[/?]\S+)$/i;
// re.match anchors only at the start: "1.2.3.4.nip.io" passes, "example.com" does not.
const ipPrefixRegex = /^((2(5[0-5]|[0-4]\d))|[0-1]?\d{1,2})(\.((2(5[0-5]|[0-4]\d))|[0-1]?\d{1,2})){3}/i;

export const checks = {
  apiUrl: (v: string) => (urlRegex.test(v) ? null : "集群API地址非法"),
  wsUrl: (v: string) => (urlRegex.test(v) ? null : "集群Websocket地址非法"),
  tcpDomain: (v: string) => (ipPrefixRegex.test(v) ? null : "TCP访问地址非法"),
  status: (v: string) => (["0", "1", "2", "3"].includes(v) ? null : "集群状态值不正确"),
  scope: (v: string) => (v === "private" || v === "public" ? null : "集群开放类型不正确"),
  // Not a console rule: our names and ids appear in URL paths of both dialects (the domain's name
  // rule, in the console's words). Only the first problem is reported, as a validate_<field> does.
  pathSafe: (v: string) => {
    const [problem] = nameProblems(v);
    return problem === undefined ? null : nameMessages[problem];
  },
};

// The domain's name problems in the console's words. DRF trims every value and refuses NUL and
// lone surrogates before a field's own check runs, so only the first and the last can be met here.
const nameMessages: Record<NameProblem, string> = {
  slash_or_control: "不能包含“/”或控制字符，也不能是“.”或“..”",
  padded: "不能以空白字符开头或结尾。",
  unstorable: drfMessages.nullChar,
  dot_segment: "不能包含“/”或控制字符，也不能是“.”或“..”",
};

/**
 * The console's region fields, one line per wire key, in RegionInfoSerializer's order: the order
 * of its answers' keys and of DRF's `err` keys (DRF validates, and reports, fields in the order
 * the serializer declares them). Each key names the canonical field it carries and the rule the
 * gateway holds it to on add. Every Rainbond view, body schema and key mapping is derived from
 * this table (adapters/rainbond.ts, the grctl body, the migration documents, the error bodies).
 */
export const rainbondFields = {
  region_id: { field: "uid", rule: { max: 36, check: checks.pathSafe } },
  region_name: { field: "name", rule: { required: true, max: 64, check: checks.pathSafe } },
  region_alias: { field: "alias", rule: { required: true, max: 64 } },
  url: { field: "apiUrl", rule: { required: true, max: 256, check: checks.apiUrl } },
  token: { field: "regionToken", rule: { allowNull: true, allowBlank: true, max: 255 } },
  wsurl: { field: "wsUrl", rule: { required: true, max: 256, check: checks.wsUrl } },
  httpdomain: { field: "httpDomain", rule: { required: true, max: 256 } },
  tcpdomain: { field: "tcpDomain", rule: { required: true, max: 256, check: checks.tcpDomain } },
  scope: { field: "scope", rule: { max: 10, check: checks.scope } },
  ssl_ca_cert: { field: "caCert", rule: { allowNull: true, allowBlank: true } },
  cert_file: { field: "clientCert", rule: { allowNull: true, allowBlank: true } },
  key_file: { field: "clientKey", rule: { allowNull: true, allowBlank: true } },
  // optional on add (it defaults to enabled), required by the PUT body as by the console
  status: { field: "status", rule: { max: 2, check: checks.status } },
  desc: { field: "description", rule: { allowBlank: true, max: 200 } },
  enterprise_id: { field: "enterpriseId", rule: { allowNull: true, allowBlank: true, max: 36 } },
} as const satisfies Record<string, { field: keyof RegionInput; rule: DrfCharOptions }>;

export type RainbondKey = keyof typeof rainbondFields;
/** The canonical field a Rainbond key carries. */
export type RainbondField<K extends RainbondKey = RainbondKey> = (typeof rainbondFields)[K]["field"];

/** Every key, in the serializer's order. */
export const rainbondKeys = Object.keys(rainbondFields) as RainbondKey[];

/** `keys` without `dropped`, in order. */
export function keysWithout<K extends RainbondKey, D extends K>(keys: readonly K[], ...dropped: D[]): Exclude<K, D>[] {
  return keys.filter((k): k is Exclude<K, D> => !(dropped as readonly K[]).includes(k));
}

/** The Rainbond key that carries a canonical field, for the fields Rainbond can express. */
export const rainbondKeyOf = Object.fromEntries(rainbondKeys.map((k) => [rainbondFields[k].field, k])) as {
  [K in RainbondKey as RainbondField<K>]: K;
};
