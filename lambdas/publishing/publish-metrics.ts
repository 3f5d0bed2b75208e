import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { MetricName } from '../../contract/metrics.js';
import { metrics, recordPublishedByType } from '../shared/metrics.js';
import type { ClaimCheckPort } from './claim-check.js';
import type { PutEventsPort } from './publisher.js';

/**
 * Wraps a PutEvents port to count what EventBridge accepted per detail type and what it refused,
 * without the publishing logic knowing about metrics.
 */
export function withPublishMetrics(port: PutEventsPort): PutEventsPort {
  return async (entries) => {
    let results: Awaited<ReturnType<PutEventsPort>>;
    try {
      results = await port(entries);
    } catch (error) {
      metrics.addMetric(MetricName.PublishFailures, MetricUnit.Count, entries.length);
      throw error;
    }
    const accepted = new Map<string, number>();
    let refused = 0;
    results.forEach((result, index) => {
      if (result.errorCode) refused += 1;
      else {
        const type = entries[index]?.DetailType ?? 'unknown';
        accepted.set(type, (accepted.get(type) ?? 0) + 1);
      }
    });
    if (refused > 0) metrics.addMetric(MetricName.PublishFailures, MetricUnit.Count, refused);
    recordPublishedByType(accepted);
    return results;
  };
}

/** Counts the events that went on the bus as claim checks (the store kept the whole event). */
export function withClaimCheckMetrics(port: ClaimCheckPort): ClaimCheckPort {
  return async (entry) => {
    const pointer = await port(entry);
    metrics.addMetric(MetricName.EventsClaimChecked, MetricUnit.Count, 1);
    return pointer;
  };
}
