import type { CheckResult, HealthStatus } from './runner.js';

/** The media type of a health+json body (draft-inadarei-api-health-check-06). */
export const HEALTH_CONTENT_TYPE = 'application/health+json; charset=utf-8';

/** Service description members of health+json, shown only in detailed answers. */
export interface ServiceInfo {
  /** Public version of the service, e.g. `'1'`. @default none */
  version?: string;
  /** Release of the implementation, e.g. a git sha or `'1.4.2'`. @default none */
  releaseId?: string;
  /** Unique identifier of the service instance, e.g. the pod name. @default none */
  serviceId?: string;
  /** Human-friendly description of the service. @default none */
  description?: string;
}

/** One entry of `checks` in health+json. */
export interface HealthCheckEntry {
  componentId?: string;
  componentType?: string;
  observedValue?: unknown;
  observedUnit?: string;
  status: HealthStatus;
  time: string;
  output?: string;
}

/** A health+json body. */
export interface HealthBody {
  status: HealthStatus;
  version?: string;
  releaseId?: string;
  serviceId?: string;
  description?: string;
  output?: string;
  notes?: string[];
  checks?: Record<string, HealthCheckEntry[]>;
}

/** A probe's outcome before rendering. */
export interface HealthReport {
  readonly status: HealthStatus;
  /** Why the probe failed without running checks, e.g. `shutting down`. */
  readonly output: string | undefined;
  readonly results: readonly CheckResult[];
}

/** The HTTP status for a health status: pass and warn → 200, fail → 503. */
export function httpStatus(status: HealthStatus): 200 | 503 {
  return status === 'fail' ? 503 : 200;
}

/**
 * Renders `report` as health+json. The public answer is `{ status }` only; `detailed` adds the
 * service description, the probe's output and every check with its observed value and output.
 */
export function renderHealth(report: HealthReport, detailed: boolean, service: ServiceInfo = {}): HealthBody {
  if (!detailed) return { status: report.status };
  const body: HealthBody = { status: report.status };
  if (service.version !== undefined) body.version = service.version;
  if (service.releaseId !== undefined) body.releaseId = service.releaseId;
  if (service.serviceId !== undefined) body.serviceId = service.serviceId;
  if (service.description !== undefined) body.description = service.description;
  if (report.output !== undefined) body.output = report.output;
  if (report.results.length > 0) {
    const checks: Record<string, HealthCheckEntry[]> = {};
    for (const result of report.results) {
      const list = checks[result.key] ?? [];
      list.push(renderEntry(result));
      checks[result.key] = list;
    }
    body.checks = checks;
  }
  return body;
}

function renderEntry(result: CheckResult): HealthCheckEntry {
  const entry: HealthCheckEntry = { status: result.status, time: result.time };
  if (result.componentId !== undefined) entry.componentId = result.componentId;
  if (result.componentType !== undefined) entry.componentType = result.componentType;
  if (result.observedValue !== undefined) entry.observedValue = result.observedValue;
  if (result.observedUnit !== undefined) entry.observedUnit = result.observedUnit;
  // draft-06: output is "raw error output, in case of fail or warn states … SHOULD be omitted for pass".
  if (result.output !== undefined && result.status !== 'pass') entry.output = result.output;
  return entry;
}
