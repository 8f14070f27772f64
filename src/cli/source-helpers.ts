import { jsonProblem, maxJsonDepth, pathText } from "../domain/json-limits.ts";
import { CliError, errorMessage, exitCodes, fetchOrFail, type Progress } from "./helpers.ts";

export type SourceFormat = "rainbond" | "keystone";

/** Regions per page asked of a Rainbond console's v2 list. */
const pageSize = 100;
/** How long one request to a source may take. */
const sourceTimeoutMs = 30_000;

/**
 * Reads a live catalogue and returns it as one document of `format`:
 * - Rainbond: `…/openapi/v2/manage/regions` page by page (`current`, `pageSize`) until `total`
 *   regions are in (a `{"total","data"}` document), or `…/openapi/v1/regions` (a bare array);
 *   a base URL alone means the v2 list. The token goes in `Authorization`, raw, as the console wants.
 * - Keystone / Huawei: `…/v3/regions` (a base URL or `…/v3` is completed), following
 *   `links.next` while there is one; the token goes in `X-Auth-Token`.
 */
export async function fetchSource(
  url: string,
  format: SourceFormat,
  token: string | undefined,
  progress: Progress,
): Promise<unknown> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new CliError(`--source: not a URL: ${url}`, exitCodes.usage);
  }
  return format === "rainbond" ? fetchRainbond(target, token, progress) : fetchKeystone(target, token, progress);
}

async function getJson(url: URL, headers: Record<string, string>): Promise<unknown> {
  // a source that never answers must not hang a migration script
  const res = await fetchOrFail(url.toString(), {
    headers: { Accept: "application/json", ...headers },
    signal: AbortSignal.timeout(sourceTimeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new CliError(`source ${url}: ${errorMessage(res.status, text)}`, exitCodes.usage);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError(`source ${url}: the answer is not JSON`, exitCodes.usage);
  }
  // the gateway rejects any record nested deeper than that (the envelope adds two levels), and
  // far deeper the document could not even be serialised again: refused here, in one line
  const problem = jsonProblem(value, { maxDepth: maxJsonDepth + 2, depthOnly: true });
  if (problem) {
    throw new CliError(`source ${url}: the answer is ${problem.message} (at ${pathText(problem.path)})`, exitCodes.usage);
  }
  return value;
}

async function fetchRainbond(url: URL, token: string | undefined, progress: Progress): Promise<unknown> {
  const headers: Record<string, string> = token ? { Authorization: token } : {};
  const path = url.pathname.replace(/\/+$/, "");
  if (path.endsWith("/openapi/v1/regions")) {
    progress.update("reading the source's v1 region list");
    return getJson(url, headers);
  }
  if (!path.endsWith("/openapi/v2/manage/regions")) url.pathname = `${path}/openapi/v2/manage/regions`;
  const data: unknown[] = [];
  for (let current = 1; ; current++) {
    url.searchParams.set("current", String(current));
    url.searchParams.set("pageSize", String(pageSize));
    const page = (await getJson(url, headers)) as { total?: unknown; data?: unknown };
    if (!Array.isArray(page?.data) || typeof page.total !== "number") {
      throw new CliError(`source ${url}: not a Rainbond v2 page ({"total","data"})`, exitCodes.usage);
    }
    data.push(...page.data);
    progress.update("reading source regions", data.length, page.total);
    if (data.length >= page.total) return { total: data.length, data };
    // a short page is the last one; more pages than the total allows means the source ignores paging
    if (page.data.length < pageSize || current > page.total / pageSize + 1) {
      throw new CliError(
        `source ${url}: announced ${page.total} regions but paging returned ${data.length}; nothing imported`,
        exitCodes.usage,
      );
    }
  }
}

async function fetchKeystone(url: URL, token: string | undefined, progress: Progress): Promise<unknown> {
  const headers: Record<string, string> = token ? { "X-Auth-Token": token } : {};
  const path = url.pathname.replace(/\/+$/, "");
  if (!path.endsWith("/v3/regions")) url.pathname = path.endsWith("/v3") ? `${path}/regions` : `${path}/v3/regions`;
  const regions: unknown[] = [];
  const seen = new Set<string>();
  for (let next: URL | null = url; next !== null; ) {
    if (seen.has(next.toString())) break; // a server whose next link points back
    seen.add(next.toString());
    const page = (await getJson(next, headers)) as { regions?: unknown; links?: { next?: unknown } };
    if (!Array.isArray(page?.regions))
      throw new CliError(`source ${next}: not a Keystone region list ({"regions"})`, exitCodes.usage);
    regions.push(...page.regions);
    progress.update("reading source regions", regions.length);
    next = typeof page.links?.next === "string" && page.links.next ? new URL(page.links.next, next) : null;
  }
  return { regions };
}
