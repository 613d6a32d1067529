import type { Registry } from 'prom-client';

/** The samples of metric `name` (a sample name such as `x_count` selects that series of a histogram). */
export async function samples(
  registry: Registry,
  family: string,
  sample = family,
): Promise<Array<{ labels: Record<string, string | number | undefined>; value: number }>> {
  const metric = registry.getSingleMetric(family);
  if (metric === undefined) throw new Error(`metric ${family} is not registered`);
  const { values } = await metric.get();
  return values
    .filter((value) => ((value as { metricName?: string }).metricName ?? family) === sample)
    .map((value) => ({ labels: { ...value.labels }, value: value.value }));
}

/** `{ "<label value of key>": count }` of the request duration histogram's `_count` series. */
export async function countsBy(registry: Registry, label: string): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  const name = 'http_server_request_duration_seconds';
  for (const sample of await samples(registry, name, `${name}_count`)) {
    const key = String(sample.labels[label]);
    result[key] = (result[key] ?? 0) + sample.value;
  }
  return result;
}
