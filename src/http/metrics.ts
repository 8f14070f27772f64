import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { certificateDaysLeft } from "../catalog/certificate-health.ts";
import type { Catalog } from "../catalog/service.ts";
import type { CatalogObserver } from "../catalog/store.ts";

/**
 * The Prometheus metrics of one gateway (prom-client, a registry of its own). Every label value
 * comes from a closed set: route templates as registered (never a path as sent), methods, status
 * codes, dialects, failure reasons. Region names, tokens and other values a client chooses are
 * never labels.
 */
export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Who may read GET /metrics (config.ts computes it from HOST and METRICS_TOKEN): everyone who can
 * connect, bearers of the token, or nobody.
 */
export type MetricsAccess = { kind: "open" } | { kind: "token"; token: string } | { kind: "closed" };

/** What the metrics ask of the database at a scrape (http/ never imports src/db). */
export interface MetricsDatabase {
  /** resolves when the database answers a trivial query */
  ping(): Promise<void>;
  /** connections the pool may open; transactions holding or waiting for one */
  pool(): { max: number; transactions: number };
}

/** The dialect a path belongs to, as a label: bounded whatever the path. */
export type DialectLabel = "keystone" | "rainbond" | "admin" | "other";

const knownMethods = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** Seconds: most reads are answered in well under a millisecond; imports and password logins take longer. */
const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
const propagationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const expiringWithinDays = 30;
const hourMs = 3_600_000;

export interface MetricsOptions {
  /** Node's process metrics (CPU, memory, event loop, GC); off in tests that create many registries */
  processMetrics?: boolean;
  now?: () => Date;
}

export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  const now = options.now ?? (() => new Date());
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  let catalog: Pick<Catalog, "version" | "list" | "behindMs"> | undefined;
  let database: MetricsDatabase | undefined;

  const latency = new Histogram({
    name: "region_gateway_http_request_duration_seconds",
    help: "Time from the request reaching the application to its answer, by route template, method, status and dialect",
    labelNames: ["route", "method", "status", "dialect"] as const,
    buckets: latencyBuckets,
    registers: [registry],
  });
  // the histogram counts every request already: the counter is read from it at each scrape, so a
  // request costs one observation (prom-client hashes the labels on every call)
  new Counter({
    name: "region_gateway_http_requests_total",
    help: "HTTP requests answered, by route template, method, status and dialect",
    labelNames: ["route", "method", "status", "dialect"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const v of (await latency.get()).values) {
        if (v.metricName === "region_gateway_http_request_duration_seconds_count") this.inc(v.labels, v.value);
      }
    },
  });
  const authFailures = new Counter({
    name: "region_gateway_auth_failures_total",
    help: "Credentials refused: 401 by reason (missing, invalid_token, wrong_password, bad_signature, …) and 403 as forbidden",
    labelNames: ["dialect", "reason"] as const,
    registers: [registry],
  });
  const writes = new Counter({
    name: "region_gateway_catalog_writes_total",
    help: "Catalogue write transactions by outcome: committed, conflict (409), precondition_failed (412), another refusal's code, or error",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const propagation = new Histogram({
    name: "region_gateway_catalog_propagation_seconds",
    help: "Time from another instance taking the catalogue lock for a write to this instance serving it (PostgreSQL)",
    buckets: propagationBuckets,
    registers: [registry],
  });
  const reloadErrors = new Counter({
    name: "region_gateway_catalog_reload_errors_total",
    help: "Failed catalogue reloads, version polls and change listeners",
    labelNames: ["kind"] as const,
    registers: [registry],
  });
  // zero for every kind from the start, so rate() and alerts see the series before the first failure
  for (const kind of ["reload", "poll", "listen"]) reloadErrors.labels(kind).inc(0);

  new Gauge({
    name: "region_gateway_catalog_regions",
    help: "Regions in the catalogue this instance serves",
    registers: [registry],
    collect() {
      if (catalog) this.set(catalog.list().length);
    },
  });
  new Gauge({
    name: "region_gateway_catalog_version",
    help: "Catalogue version this instance serves (every write bumps it)",
    registers: [registry],
    collect() {
      if (catalog) this.set(catalog.version);
    },
  });
  new Gauge({
    name: "region_gateway_catalog_behind_seconds",
    help: "How long a version known to be committed has waited to be served here (0 when current)",
    registers: [registry],
    collect() {
      if (catalog) this.set(catalog.behindMs() / 1000);
    },
  });
  new Gauge({
    name: "region_gateway_db_pool_max",
    help: "Database connections the pool may open (1 for the embedded database)",
    registers: [registry],
    collect() {
      if (database) this.set(database.pool().max);
    },
  });
  new Gauge({
    name: "region_gateway_db_pool_transactions",
    help: "Database transactions running or waiting for a connection; above the pool's max, the rest wait",
    registers: [registry],
    collect() {
      if (database) this.set(database.pool().transactions);
    },
  });
  new Gauge({
    name: "region_gateway_db_up",
    help: "1 when the database answered a trivial query within 2 s at this scrape, else 0",
    registers: [registry],
    async collect() {
      if (!database) return;
      const db = database;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 2000);
      });
      const up = await Promise.race([
        db.ping().then(
          () => true,
          () => false,
        ),
        timeout,
      ]);
      clearTimeout(timer);
      this.set(up ? 1 : 0);
    },
  });

  // parsing every certificate of a large catalogue at each scrape would cost: once per version and hour
  let certificates: { key: string; min: number; expiring: number } | undefined;
  const certificateSummary = () => {
    if (!catalog) return undefined;
    const at = now();
    const key = `${catalog.version}|${Math.floor(at.getTime() / hourMs)}`;
    if (certificates?.key !== key) {
      const days = certificateDaysLeft(catalog.list(), at).map((d) => d.daysLeft);
      certificates = {
        key,
        min: days.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...days),
        expiring: days.filter((d) => d < expiringWithinDays).length,
      };
    }
    return certificates;
  };
  new Gauge({
    name: "region_gateway_certificate_days_left_min",
    help: "Days left of the soonest-expiring region certificate (negative: expired; +Inf: no region stores one). Which region: GET /admin/v1/regions/health",
    registers: [registry],
    collect() {
      const s = certificateSummary();
      if (s) this.set(s.min);
    },
  });
  new Gauge({
    name: "region_gateway_certificates_expiring",
    help: `Regions whose CA or client certificate has expired or expires within ${expiringWithinDays} days`,
    registers: [registry],
    collect() {
      const s = certificateSummary();
      if (s) this.set(s.expiring);
    },
  });

  const catalogObserver: CatalogObserver = {
    write: (outcome) => writes.labels(outcome).inc(),
    propagated: (ms) => propagation.observe(ms / 1000),
    reloadError: (kind) => reloadErrors.labels(kind).inc(),
  };

  return {
    registry,
    /** hand this to Catalog.open: writes, propagation and reload failures */
    catalogObserver,
    /** the catalogue and database whose state the gauges read at each scrape */
    watch(sources: { catalog?: typeof catalog; database?: typeof database }) {
      catalog = sources.catalog ?? catalog;
      database = sources.database ?? database;
    },
    /** one answered request; `route` must be a registered template (or a fixed word), never the path sent */
    request(route: string, method: string, status: number, dialect: DialectLabel, seconds: number) {
      const labels = { route, method: knownMethods.has(method) ? method : "other", status: String(status), dialect };
      latency.observe(labels, seconds);
    },
    authFailure(dialect: DialectLabel, reason: string) {
      authFailures.inc({ dialect, reason });
    },
    async render(): Promise<{ body: string; contentType: string }> {
      return { body: await registry.metrics(), contentType: registry.contentType };
    },
  };
}
