import { afterEach, describe, expect, it, vi } from 'vitest';
import { METRICS_NAMESPACE } from '../../contract/metrics.js';
import { recordPollOutcome, recordPublishedByType } from '../../lambdas/shared/metrics.js';

/** The EMF documents written to stdout while `act` runs, with metrics printing on as deployed. */
function emfWritten(act: () => void): Record<string, unknown>[] {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    act();
  } finally {
    write.mockRestore();
  }
  return lines
    .join('')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('metrics with their own dimension', () => {
  it("writes a poll's outcome and latency in one EMF document, under service and outcome", () => {
    // Act
    const documents = emfWritten(() => recordPollOutcome('NO_EVENTS', 60_012));

    // Assess
    expect(documents).toHaveLength(1);
    expect(documents[0]).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: METRICS_NAMESPACE,
            Dimensions: [['service', 'outcome']],
            Metrics: [
              { Name: 'PollOutcomes', Unit: 'Count' },
              { Name: 'PollLatency', Unit: 'Milliseconds' },
            ],
          },
        ],
      },
      outcome: 'NO_EVENTS',
      PollOutcomes: 1,
      PollLatency: 60_012,
    });
  });

  it('writes one document per detail type, so each keeps its own dimension value', () => {
    // Act
    const documents = emfWritten(() =>
      recordPublishedByType(
        new Map([
          ['AgentStateChanged', 3],
          ['ContactStarted', 1],
        ]),
      ),
    );

    // Assess
    expect(documents.map((document) => [document.detailType, document.EventsPublishedByType])).toEqual([
      ['AgentStateChanged', 3],
      ['ContactStarted', 1],
    ]);
  });
});
