import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LabelGuard } from './labels.js';

/**
 * Creates this package's series on one registry, with the prefix applied and a cap on distinct
 * label sets per metric. `guarded(name)` returns the guard of that metric; a refused label set
 * is folded by the caller and counted in `expresskit_metrics_label_overflow_total{metric}`.
 */
export class Series {
  readonly #registry: Registry;
  readonly #prefix: string;
  readonly #max: number;
  readonly #guards = new Map<string, LabelGuard>();
  readonly #created: string[] = [];
  readonly overflow: Counter<'metric'>;

  constructor(registry: Registry, prefix: string, maxLabelSets: number) {
    this.#registry = registry;
    this.#prefix = prefix;
    this.#max = maxLabelSets;
    this.overflow = this.counter(
      'expresskit_metrics_label_overflow_total',
      'Label sets refused because the metric reached maxLabelSets; their route or key label was folded into (overflow).',
      ['metric'],
    );
  }

  name(base: string): string {
    return `${this.#prefix}${base}`;
  }

  guard(metric: string): LabelGuard {
    let guard = this.#guards.get(metric);
    if (guard === undefined) {
      guard = new LabelGuard(this.#max, () => this.overflow.inc({ metric: this.name(metric) }));
      this.#guards.set(metric, guard);
    }
    return guard;
  }

  /** Registers a metric; a name the registry already holds is a configuration error. */
  #add<T>(name: string, create: (fullName: string) => T): T {
    const fullName = this.name(name);
    if (this.#registry.getSingleMetric(fullName) !== undefined) {
      this.remove();
      throw new TypeError(
        `metrics: "registry" already holds a metric named ${fullName}; use one metrics() per registry or another "prefix"`,
      );
    }
    const metric = create(fullName);
    this.#created.push(fullName);
    return metric;
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return this.#add(
      name,
      (fullName) => new Counter({ name: fullName, help, labelNames, registers: [this.#registry] }),
    );
  }

  /** A gauge; `collect` (optional) sets its values whenever the registry is read. */
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    collect?: (this: Gauge<L>) => void,
  ): Gauge<L> {
    return this.#add(
      name,
      (fullName) =>
        new Gauge({
          name: fullName,
          help,
          labelNames,
          registers: [this.#registry],
          ...(collect === undefined ? {} : { collect }),
        }),
    );
  }

  histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: readonly number[],
  ): Histogram<L> {
    return this.#add(
      name,
      (fullName) =>
        new Histogram({ name: fullName, help, labelNames, buckets: [...buckets], registers: [this.#registry] }),
    );
  }

  /** Removes every series this object created from the registry. */
  remove(): void {
    for (const name of this.#created.splice(0)) this.#registry.removeSingleMetric(name);
  }
}
