// The Prometheus side of lib/metrics/recorder.ts, made once per process by server.ts when
// `enable_metrics` is on: prom-client's default process metrics (CPU, memory, file descriptors,
// event loop lag — process_cpu_seconds_total and process_resident_memory_bytes are what Synapse's
// Grafana dashboard plots), Synapse's own metric names and labels, and ours under synapse_sso_*.
//
// Names, label names and label values follow Synapse so that an admin's dashboards and alerts
// keep working (help texts are ours: Synapse leaves most empty, which prom-client refuses). The
// synapse_http_server_* family is Synapse's RequestMetrics: labels method, servlet, tag and code,
// plus server_name as recent Synapse adds; `tag` is only ever set by Synapse's /sync, so "" here.
// synapse_user_logins_total and synapse_user_registrations_total are RegistrationHandler's
// counters: Python's str(bool) for guest ("False"), auth_provider "" for password and the IdP ID
// for SSO, pre-initialised to 0 per IdP as its init_counters_for_auth_provider does, so that a
// dashboard shows a flat line rather than no data.
import type { IncomingMessage, ServerResponse } from "node:http";
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, register } from "prom-client";
import { publishMetricsRecorder, type MetricsRecorder } from "./recorder";
import { servletNameOf } from "./servlets";

/** prometheus_client's default histogram buckets, which Synapse's response_time_seconds uses. */
const PYTHON_DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

export interface HttpMetrics {
  /** Counts a request now and its response when it has been sent (Synapse's RequestMetrics). */
  observe(request: IncomingMessage, response: ServerResponse): void;
}

/**
 * Creates this process's metrics in prom-client's global registry and publishes the recorder.
 * `idpIds` are the configured identity providers, whose counters start at 0.
 */
export function installMetrics(serverName: string, idpIds: readonly string[], options: { purges: boolean } = { purges: true }): HttpMetrics {
  collectDefaultMetrics();
  // In a worker process (worker_processes > 1) this also answers the primary's requests for this
  // worker's metrics, which the primary sums (lib/metrics/listener.ts).
  new AggregatorRegistry();

  // The request accounting runs on every request, so it is plain arithmetic on objects made once per
  // (method, servlet) and (method, servlet, code); prom-client's own inc() and labels() children
  // validate and hash their labels on every call. The counters and the in-flight gauge are handed
  // to prom-client when it is scraped (`collect`, which also runs before a worker answers its
  // primary's request for its metrics); only the histogram is observed per request.
  const tallies = new Map<string, RequestTally>();
  const requestsReceived = new Counter({
    name: "synapse_http_server_requests_received_total",
    help: "Requests received, by method and servlet",
    labelNames: ["method", "servlet", "server_name"],
    collect() {
      this.reset();
      for (const tally of tallies.values()) this.inc({ method: tally.method, servlet: tally.servlet, server_name: serverName }, tally.received);
    },
  });
  const responses = new Counter({
    name: "synapse_http_server_responses_total",
    help: "Responses sent, by method and status code",
    labelNames: ["method", "code", "server_name"],
    collect() {
      this.reset();
      for (const tally of tallies.values()) {
        for (const [code, byCode] of tally.byCode) this.inc({ method: tally.method, code, server_name: serverName }, byCode.responses);
      }
    },
  });
  const responseCount = new Counter({
    name: "synapse_http_server_response_count_total",
    help: "Responses sent, by method and servlet",
    labelNames: ["method", "servlet", "tag", "server_name"],
    collect() {
      this.reset();
      for (const tally of tallies.values()) {
        let sent = 0;
        for (const byCode of tally.byCode.values()) sent += byCode.responses;
        if (tally.byCode.size > 0) this.inc({ method: tally.method, servlet: tally.servlet, tag: "", server_name: serverName }, sent);
      }
    },
  });
  const responseTime = new Histogram({
    name: "synapse_http_server_response_time_seconds",
    help: "Time from receiving a request to sending its response, in seconds",
    labelNames: ["method", "servlet", "tag", "code", "server_name"],
    buckets: PYTHON_DEFAULT_BUCKETS,
  });
  new Gauge({
    name: "synapse_http_server_in_flight_requests_count",
    help: "Requests being processed, by method and servlet",
    labelNames: ["method", "servlet"],
    collect() {
      this.reset();
      for (const tally of tallies.values()) this.set({ method: tally.method, servlet: tally.servlet }, tally.inFlight);
    },
  });
  const logins = new Counter({
    name: "synapse_user_logins_total",
    help: "Number of user logins (since restart)",
    labelNames: ["guest", "auth_provider"],
  });
  const registrations = new Counter({
    name: "synapse_user_registrations_total",
    help: "Number of new users registered (since restart)",
    labelNames: ["guest", "shadow_banned", "auth_provider"],
  });
  for (const authProvider of ["", ...idpIds]) {
    for (const guest of ["True", "False"]) {
      logins.inc({ guest, auth_provider: authProvider }, 0);
      for (const shadowBanned of ["True", "False"]) registrations.inc({ guest, shadow_banned: shadowBanned, auth_provider: authProvider }, 0);
    }
  }

  // Ours: what Synapse does not count.
  const ssoLogins = new Counter({
    name: "synapse_sso_logins_total",
    help: "SSO logins that came back from an identity provider, by IdP and outcome",
    labelNames: ["idp_id", "outcome"],
  });
  for (const idpId of idpIds) for (const outcome of ["success", "mapping_failure", "attribute_requirement", "error"]) ssoLogins.inc({ idp_id: idpId, outcome }, 0);
  const pickerSubmissions = new Counter({
    name: "synapse_sso_username_picker_submissions_total",
    help: "Username picker submissions, by outcome (registered, collision: the name was taken, invalid)",
    labelNames: ["outcome"],
  });
  const availabilityChecks = new Counter({
    name: "synapse_sso_username_availability_checks_total",
    help: "Username picker availability checks, by result",
    labelNames: ["result"],
  });
  const tokenExchanges = new Counter({
    name: "synapse_sso_login_token_exchanges_total",
    help: "m.login.token logins (the SSO hand-off), by result",
    labelNames: ["result"],
  });
  const rateLimited = new Counter({
    name: "synapse_sso_rate_limit_rejections_total",
    help: "Actions refused with M_LIMIT_EXCEEDED, by limiter",
    labelNames: ["limiter"],
  });
  const hashing = new Gauge({
    name: "synapse_sso_password_hashing_queue_length",
    help: "bcrypt hashes and comparisons started and not yet finished (waiting for or running on the thread pool)",
  });
  // Only where the purge runs: a worker's family would otherwise be scraped beside the primary's.
  const purged = options.purges ? purgedRowsCounter() : undefined;

  const recorder: MetricsRecorder = {
    userLogin: (authProvider) => logins.inc({ guest: "False", auth_provider: authProvider }),
    userRegistration: (authProvider) => registrations.inc({ guest: "False", shadow_banned: "False", auth_provider: authProvider }),
    ssoLogin: (idpId, outcome) => ssoLogins.inc({ idp_id: idpId, outcome }),
    pickerSubmission: (outcome) => pickerSubmissions.inc({ outcome }),
    availabilityCheck: (result) => availabilityChecks.inc({ result }),
    loginTokenExchange: (result) => tokenExchanges.inc({ result }),
    rateLimited: (limiter) => rateLimited.inc({ limiter }),
    hashing: (delta) => hashing.inc(delta),
    purged: (table, rows) => {
      if (rows > 0) purged?.inc({ table }, rows);
    },
  };
  publishMetricsRecorder(recorder);

  const tallyOf = (method: string, servlet: string): RequestTally => {
    const key = `${method} ${servlet}`;
    let tally = tallies.get(key);
    if (!tally) {
      tally = { method, servlet, received: 0, inFlight: 0, byCode: new Map() };
      tallies.set(key, tally);
    }
    return tally;
  };

  return {
    observe(request, response) {
      const method = request.method ?? "GET";
      const target = request.url ?? "/";
      const query = target.indexOf("?");
      const servlet = servletNameOf(query < 0 ? target : target.slice(0, query));
      const started = performance.now();
      const tally = tallyOf(method, servlet);
      tally.received += 1;
      tally.inFlight += 1;
      // "close" also fires when the client went away before the answer was sent; counted once.
      response.once("close", () => {
        tally.inFlight -= 1;
        const code = String(response.statusCode);
        let byCode = tally.byCode.get(code);
        if (!byCode) {
          byCode = { responses: 0, time: responseTime.labels({ method, servlet, tag: "", code, server_name: serverName }) };
          tally.byCode.set(code, byCode);
        }
        byCode.responses += 1;
        byCode.time.observe((performance.now() - started) / 1000);
      });
    },
  };
}

/** What one (method, servlet) has seen since start, in the process that answered. */
interface RequestTally {
  method: string;
  servlet: string;
  received: number;
  inFlight: number;
  /** Per status code: responses sent, and the histogram child their times go to. */
  byCode: Map<string, { responses: number; time: { observe(seconds: number): void } }>;
}

function purgedRowsCounter(): Counter<"table"> {
  return new Counter({
    name: "synapse_sso_state_purged_rows_total",
    help: "Expired rows deleted by the background state purge, by table",
    labelNames: ["table"],
  });
}

/**
 * The primary of worker processes serves no requests but runs the state purge: its one metric of
 * its own, served after the sum over the workers (lib/metrics/listener.ts). Workers are installed
 * with `purges: false`, so the family appears once.
 */
export function installPrimaryMetrics(): void {
  const purged = purgedRowsCounter();
  const nothing = () => {};
  publishMetricsRecorder({
    userLogin: nothing,
    userRegistration: nothing,
    ssoLogin: nothing,
    pickerSubmission: nothing,
    availabilityCheck: nothing,
    loginTokenExchange: nothing,
    rateLimited: nothing,
    hashing: nothing,
    purged: (table, rows) => {
      if (rows > 0) purged.inc({ table }, rows);
    },
  });
}

/** This process's metrics, in Prometheus text format (one process serving alone). */
export function processMetricsText(): Promise<string> {
  return register.metrics();
}

export const METRICS_CONTENT_TYPE = register.contentType;
