import { inexactFilters, toKeystoneList, toKeystoneRegion } from "../adapters/keystone.ts";
import { rainbondV2PageOf, toRainbondV1ListItem, toRainbondV2ListItem } from "../adapters/rainbond.ts";
import { type CallerView, type CallerViewOptions, catalogAs } from "../catalog/caller-view.ts";
import type { Catalog } from "../catalog/service.ts";
import type { Principal } from "../domain/principal.ts";
import type { Region } from "../domain/region.ts";
import { type Answer, cachedAnswer, jsonItems, regionAnswer } from "./cached-json.ts";
import { keystoneMessages } from "./keystone-errors.ts";
import { rainbondMessages } from "./rainbond-errors.ts";

/**
 * The hot reads — the answers clients poll — each in one place, for both ways a request reaches
 * them: the routes (keystone-routes.ts, rainbond-routes.ts) and the read lane (read-lane.ts).
 * Each takes the catalogue and the caller, goes through the caller's door and returns the bytes
 * and ETag to send; a region the caller may not see is the door's `not_found`.
 */

/** The doors of the two dialects (catalogAs): Keystone has no enterprise scope; Rainbond v1 keeps a caller bound to an enterprise to it, v2 does not. */
export const keystoneDoor: CallerViewOptions = { dialect: "keystone", forbidden: keystoneMessages.forbidden };
export const rainbondV1Door: CallerViewOptions = {
  dialect: "rainbond",
  enterpriseScope: true,
  forbidden: () => rainbondMessages.forbidden,
};
export const rainbondV2Door: CallerViewOptions = { dialect: "rainbond", forbidden: () => rainbondMessages.forbidden };

/** key_file and token are shown to admins only. */
export const secrets = (view: CallerView) => ({ includeSecrets: view.readsSecrets });

export interface KeystoneListQuery {
  parent_region_id?: string | undefined;
  name?: string | undefined;
  /** the query string as sent ("" or "?…"): the list's self link repeats it */
  search: string;
  params: URLSearchParams;
}

/** `GET /v3/regions`. */
export function keystoneList(catalog: Catalog, principal: Principal, base: string, q: KeystoneListQuery): Answer {
  const view = catalogAs(catalog, principal, keystoneDoor);
  // the collection's URL whatever the path's spelling (Keystone answers /v3/regions/ with self = …/v3/regions)
  const self = `${base}/v3/regions${q.search}`;
  const filters = { parent_region_id: q.parent_region_id, name: q.name, inexact: inexactFilters(q.params) };
  return cachedAnswer(catalog, `v3:list|${view.visibilityKey}|${self}|${q.parent_region_id}|${q.name}`, () =>
    toKeystoneList(view.list(), filters, base, self),
  );
}

/**
 * Each region's last Keystone answer, with the base URL it was rendered for: regions are
 * immutable (a write replaces the object), so the answer lives as long as its region and no
 * longer, one per region at most. A region seen with its parent hidden is a copy made per
 * request (CallerView.asSeen): never kept.
 */
const keystoneAnswers = new WeakMap<Region, { base: string; answer: Answer }>();

/** `GET /v3/regions/{id}`. */
export function keystoneShow(catalog: Catalog, principal: Principal, base: string, id: string): Answer {
  const r = catalogAs(catalog, principal, keystoneDoor).get(id);
  const kept = keystoneAnswers.get(r);
  if (kept !== undefined && kept.base === base) return kept.answer;
  const answer = regionAnswer(r, { region: toKeystoneRegion(r, base) });
  keystoneAnswers.set(r, { base, answer });
  return answer;
}

/** `GET /openapi/v1/regions`. */
export function rainbondV1List(catalog: Catalog, principal: Principal): Answer {
  const view = catalogAs(catalog, principal, rainbondV1Door);
  return cachedAnswer(catalog, `v1:list|${view.visibilityKey}`, () => {
    const o = secrets(view);
    return jsonItems(view.list(), (r) => toRainbondV1ListItem(r, o));
  });
}

export interface RainbondPageQuery {
  query?: string | undefined;
  current?: string | undefined;
  pageSize?: string | undefined;
}

/** `GET /openapi/v2/manage/regions`. */
export function rainbondV2Page(catalog: Catalog, principal: Principal, q: RainbondPageQuery): Answer {
  const view = catalogAs(catalog, principal, rainbondV2Door);
  const page = { query: q.query, current: q.current, pageSize: q.pageSize };
  return cachedAnswer(catalog, `v2:list|${view.visibilityKey}|${JSON.stringify(page)}`, () => {
    const o = secrets(view);
    const { total, page: regions } = rainbondV2PageOf(view.list(), page);
    return { total, data: jsonItems(regions, (r) => toRainbondV2ListItem(r, o)) };
  });
}
