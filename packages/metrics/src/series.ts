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

  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    this.#created.push(this.name(name));
    return new Counter({ name: this.name(name), help, labelNames, registers: [this.#registry] });
  }

  gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> {
    this.#created.push(this.name(name));
    return new Gauge({ name: this.name(name), help, labelNames, registers: [this.#registry] });
  }

  histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: readonly number[],
  ): Histogram<L> {
    this.#created.push(this.name(name));
    return new Histogram({
      name: this.name(name),
      help,
      labelNames,
      buckets: [...buckets],
      registers: [this.#registry],
    });
  }

  /** Removes every series this object created from the registry. */
  remove(): void {
    for (const name of this.#created.splice(0)) this.#registry.removeSingleMetric(name);
  }
}
