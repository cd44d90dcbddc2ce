// What the service counts, as plain calls any module can make: record a login, a registration, an
// SSO outcome… The Prometheus objects behind them are made once per process by server.ts
// (lib/metrics/prometheus.ts) and published here in a process slot, because Next.js bundles route
// handlers separately, each with its own copy of lib/: a module-level registry would exist once
// per copy, and a scrape would see only server.ts's.
//
// With `enable_metrics` off nothing is published and every call below is one property read: the
// login paths pay nothing for metrics they do not export. This file imports no Prometheus code, so
// route bundles do not carry the client library.
import { processSlot } from "../runtime/process-state";

/** How an SSO login at an IdP ended (ours; Synapse has no such metric). */
export type SsoLoginOutcome = "success" | "mapping_failure" | "attribute_requirement" | "error";

/** How a username-picker submission ended. */
export type PickerSubmissionOutcome = "registered" | "collision" | "invalid";

export interface MetricsRecorder {
  /** Synapse's synapse_user_logins_total: a device was logged in (`authProvider` "" for password). */
  userLogin(authProvider: string): void;
  /** Synapse's synapse_user_registrations_total. */
  userRegistration(authProvider: string): void;
  ssoLogin(idpId: string, outcome: SsoLoginOutcome): void;
  pickerSubmission(outcome: PickerSubmissionOutcome): void;
  availabilityCheck(result: "available" | "taken" | "invalid" | "refused"): void;
  loginTokenExchange(result: "success" | "invalid"): void;
  rateLimited(limiter: string): void;
  /** A bcrypt hash or comparison started (+1) or ended (-1). */
  hashing(delta: 1 | -1): void;
  /** Rows the state purge deleted, per table. */
  purged(table: string, rows: number): void;
}

// One per process, shared by every copy of lib/ (lib/runtime/process-state.ts).
const recorderSlot = processSlot<MetricsRecorder>("metrics.recorder");

/** Called once per process by lib/metrics/prometheus.ts when metrics are enabled. */
export function publishMetricsRecorder(recorder: MetricsRecorder | undefined): void {
  recorderSlot.set(recorder);
}

/** The process's recorder, or undefined with metrics off. */
export function metrics(): MetricsRecorder | undefined {
  return recorderSlot.get();
}
