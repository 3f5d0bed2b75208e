import { describe, expect, it } from 'vitest';
import type { StoreUnits } from '../../bench/cost-model.js';
import { measureStoreUnits, type StoreWindow } from '../../bench/store-units.js';

/** A window whose units follow `write` and `read` exactly. */
function windowOf(counts: Pick<StoreWindow, 'polls' | 'eventPolls' | 'events' | 'lifecycleEvents'>, write: StoreUnits, read: StoreUnits): StoreWindow {
  const units = (perDriver: StoreUnits) =>
    counts.polls * perDriver.perPoll +
    counts.eventPolls * perDriver.perEventPoll +
    counts.events * perDriver.perEvent +
    counts.lifecycleEvents * perDriver.perLifecycleEvent;
  return { label: 'window', ...counts, writeUnits: units(write), readUnits: units(read) };
}

const write: StoreUnits = { perPoll: 2, perEventPoll: 3, perEvent: 2.4, perLifecycleEvent: 1 };
const read: StoreUnits = { perPoll: 0, perEventPoll: 0.5, perEvent: 0, perLifecycleEvent: 0 };
const idle = windowOf({ polls: 200, eventPolls: 0, events: 0, lifecycleEvents: 0 }, write, read);

describe('measureStoreUnits', () => {
  it('recovers per poll from the idle windows and the rest from busy windows with different batching', () => {
    // Prepare: three busy windows, 1, 1.5 and 3 events per answered poll, one with lifecycle events
    const busy = [
      windowOf({ polls: 120, eventPolls: 100, events: 100, lifecycleEvents: 0 }, write, read),
      windowOf({ polls: 110, eventPolls: 100, events: 150, lifecycleEvents: 4 }, write, read),
      windowOf({ polls: 60, eventPolls: 50, events: 150, lifecycleEvents: 0 }, write, read),
    ];

    // Act
    const measured = measureStoreUnits([idle], busy);

    // Assess
    for (const [driver, value] of Object.entries(write)) expect(measured.write.units[driver as keyof StoreUnits]).toBeCloseTo(value, 9);
    for (const [driver, value] of Object.entries(read)) expect(measured.read.units[driver as keyof StoreUnits]).toBeCloseTo(value, 9);
    expect(measured.write.notSeparated).toEqual([]);
  });

  it('leaves a driver no window had at 0 and says so', () => {
    // Prepare: no lifecycle event in any window
    const busy = [
      windowOf({ polls: 120, eventPolls: 100, events: 100, lifecycleEvents: 0 }, write, read),
      windowOf({ polls: 60, eventPolls: 50, events: 150, lifecycleEvents: 0 }, write, read),
    ];

    // Act
    const measured = measureStoreUnits([idle], busy);

    // Assess
    expect(measured.write.notSeparated).toEqual(['perLifecycleEvent']);
    expect(measured.write.units.perLifecycleEvent).toBe(0);
    expect(measured.write.units.perEvent).toBeCloseTo(2.4, 9);
  });

  it('gives the units of answered polls to events when every window batches alike', () => {
    // Prepare: one event per answered poll everywhere, so the two cannot be told apart
    const busy = [
      windowOf({ polls: 120, eventPolls: 100, events: 100, lifecycleEvents: 0 }, write, read),
      windowOf({ polls: 240, eventPolls: 200, events: 200, lifecycleEvents: 0 }, write, read),
    ];

    // Act
    const measured = measureStoreUnits([idle], busy);

    // Assess: 3 + 2.4 per event, so each window's units are still all accounted for
    expect(measured.write.notSeparated).toEqual(['perEventPoll', 'perLifecycleEvent']);
    expect(measured.write.units.perEvent).toBeCloseTo(5.4, 9);
    expect(measured.write.units.perPoll).toBe(2);
  });

  it('never reports a negative share', () => {
    // Prepare: answered polls cost nothing extra, and noise makes the fit want a negative share for them
    const flat: StoreUnits = { perPoll: 2, perEventPoll: 0, perEvent: 2, perLifecycleEvent: 0 };
    const busy = [
      { ...windowOf({ polls: 100, eventPolls: 90, events: 90, lifecycleEvents: 0 }, flat, flat), writeUnits: 379 },
      windowOf({ polls: 100, eventPolls: 45, events: 90, lifecycleEvents: 0 }, flat, flat),
    ];

    // Act
    const measured = measureStoreUnits([windowOf({ polls: 50, eventPolls: 0, events: 0, lifecycleEvents: 0 }, flat, flat)], busy);

    // Assess
    expect(Object.values(measured.write.units).every((value) => value >= 0)).toBe(true);
    expect(measured.write.notSeparated).toContain('perEventPoll');
  });
});
