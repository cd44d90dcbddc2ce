// Scraping the metrics listener in tests. The text is read by the official Prometheus Python
// client's parser (prometheus_client.parser, Debian's python3-prometheus-client, installed by
// scripts/ensure-test-deps.sh), not by a regular expression of ours: a scrape that a Prometheus
// server would reject fails the test.
import { spawnSync } from "node:child_process";

const PYTHON = "/usr/bin/python3";

const PARSE = `
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for sample in family.samples:
        value = sample.value
        out.append({"family": family.name, "type": family.type, "name": sample.name, "labels": sample.labels,
                    "value": None if math.isnan(value) else value})
json.dump(out, sys.stdout)
`;

export interface MetricSample {
  /** The family: a counter's name without `_total`, as the parser reports it. */
  family: string;
  type: string;
  /** The sample's own name, e.g. `…_total`, `…_bucket`, `…_count`. */
  name: string;
  labels: Record<string, string>;
  value: number | null;
}

export function parseMetrics(text: string): MetricSample[] {
  const result = spawnSync(PYTHON, ["-c", PARSE], { input: text, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`the Prometheus parser refused the scrape: ${result.stderr}`);
  return JSON.parse(result.stdout) as MetricSample[];
}

export async function scrape(url: string): Promise<{ samples: MetricSample[]; contentType: string | null; text: string }> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`scraping ${url} answered ${response.status}`);
  const text = await response.text();
  return { samples: parseMetrics(text), contentType: response.headers.get("content-type"), text };
}

/** The samples named `name` whose labels include `labels`. */
export function samples(all: MetricSample[], name: string, labels: Record<string, string> = {}): MetricSample[] {
  return all.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
}

/** The sum of the matching samples' values; 0 if none. */
export function total(all: MetricSample[], name: string, labels: Record<string, string> = {}): number {
  return samples(all, name, labels).reduce((sum, sample) => sum + (sample.value ?? 0), 0);
}
