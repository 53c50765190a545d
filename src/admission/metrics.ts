/**
 * Prometheus metrics, written out in the text exposition format (version 0.0.4) by hand: a few
 * counters, gauges and histograms do not justify prom-client's registry and its default process
 * collectors, and keeping it here keeps the hot path to a Map lookup and an increment.
 */

type Labels = Readonly<Record<string, string>>;

function labelKey(names: readonly string[], labels: Labels): string {
  // The values joined by NUL, without an array per call: this runs a few times per request.
  if (names.length === 0) return '';
  let key = labels[names[0]!] ?? '';
  for (let index = 1; index < names.length; index++) key += `\u0000${labels[names[index]!] ?? ''}`;
  return key;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function renderLabels(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const pairs = names.map((name, index) => `${name}="${escapeLabel(values[index] ?? '')}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function formatNumber(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return Number.isInteger(value) ? String(value) : value.toPrecision(12).replace(/\.?0+$/, '');
}

interface Metric {
  render(): string;
}

export class Counter implements Metric {
  readonly #values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {}

  inc(labels: Labels = {}, amount = 1): void {
    const key = labelKey(this.labelNames, labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + amount);
  }

  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(this.labelNames, labels)) ?? 0;
  }

  render(): string {
    let text = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const [key, value] of this.#values) text += `${this.name}${renderLabels(this.labelNames, key.split('\u0000'))} ${formatNumber(value)}\n`;
    return text;
  }
}

export class Gauge implements Metric {
  readonly #values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {}

  set(labels: Labels, value: number): void {
    this.#values.set(labelKey(this.labelNames, labels), value);
  }

  get(labels: Labels = {}): number | undefined {
    return this.#values.get(labelKey(this.labelNames, labels));
  }

  render(): string {
    let text = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n`;
    for (const [key, value] of this.#values) text += `${this.name}${renderLabels(this.labelNames, key.split('\u0000'))} ${formatNumber(value)}\n`;
    return text;
  }
}

interface HistogramSeries {
  readonly counts: number[];
  sum: number;
  count: number;
}

export class Histogram implements Metric {
  readonly #series = new Map<string, HistogramSeries>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const key = labelKey(this.labelNames, labels);
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    for (let index = 0; index < this.buckets.length; index++) if (value <= this.buckets[index]!) series.counts[index]! += 1;
    series.sum += value;
    series.count += 1;
  }

  count(labels: Labels = {}): number {
    return this.#series.get(labelKey(this.labelNames, labels))?.count ?? 0;
  }

  render(): string {
    let text = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    for (const [key, series] of this.#series) {
      const values = key.split('\u0000');
      this.buckets.forEach((bound, index) => {
        text += `${this.name}_bucket${renderLabels(this.labelNames, values, ['le', formatNumber(bound)])} ${series.counts[index]}\n`;
      });
      text += `${this.name}_bucket${renderLabels(this.labelNames, values, ['le', '+Inf'])} ${series.count}\n`;
      text += `${this.name}_sum${renderLabels(this.labelNames, values)} ${formatNumber(series.sum)}\n`;
      text += `${this.name}_count${renderLabels(this.labelNames, values)} ${series.count}\n`;
    }
    return text;
  }
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Every metric the admission controller exports. */
export class AdmissionMetrics {
  readonly requests = new Counter('portcullis_admission_requests_total', 'Admission and provider requests answered, by endpoint and decision.', ['endpoint', 'decision']);
  readonly requestDuration = new Histogram(
    'portcullis_admission_request_duration_seconds',
    'Time from request received to response written, by endpoint and decision.',
    ['endpoint', 'decision'],
    LATENCY_BUCKETS,
  );
  readonly images = new Counter('portcullis_admission_images_total', 'Images judged, by mode and outcome.', ['mode', 'outcome']);
  readonly verifications = new Counter('portcullis_verifications_total', 'Verifications run (cache misses), by result.', ['result']);
  readonly verificationDuration = new Histogram(
    'portcullis_verification_duration_seconds',
    'Time of one image verification (registry round trips and crypto), by result.',
    ['result'],
    LATENCY_BUCKETS,
  );
  readonly cacheLookups = new Counter('portcullis_cache_lookups_total', 'Verification cache lookups, by layer (memory, shared) and result (hit, miss).', ['layer', 'result']);
  readonly cacheErrors = new Counter('portcullis_cache_errors_total', 'Shared cache failures (connection, timeout, rejected entry), by kind.', ['kind']);
  readonly registryRequests = new Counter('portcullis_registry_requests_total', 'HTTP exchanges with registries and token realms, by host and status class.', ['registry', 'code']);
  readonly registryErrors = new Counter('portcullis_registry_errors_total', 'Registry exchanges that failed (network, 5xx, 429), by host.', ['registry']);
  readonly configReloads = new Counter('portcullis_config_reloads_total', 'Reloads of trust material, admission policy and TLS certificate, by source and result.', ['source', 'result']);
  readonly configValid = new Gauge('portcullis_config_last_reload_ok', '1 when the last reload of the source succeeded, 0 when the last good version is still in use.', ['source']);
  readonly kubernetesRequests = new Counter('portcullis_kubernetes_requests_total', 'Reads of pull secrets and service accounts from the API server, by kind and result.', ['kind', 'result']);

  render(): string {
    return [
      this.requests,
      this.requestDuration,
      this.images,
      this.verifications,
      this.verificationDuration,
      this.cacheLookups,
      this.cacheErrors,
      this.registryRequests,
      this.registryErrors,
      this.configReloads,
      this.configValid,
      this.kubernetesRequests,
    ]
      .map((metric) => metric.render())
      .join('');
  }
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
