import { describe, expect, it } from 'vitest';
import { type CxoneEvent, type CxoneSimulator, type EmittedEvent, type SimulatorOptions, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import { contractViolations, loadSampleContract, samplesAvailable } from './sample-contract.js';
import { api, getToken, poll, typeOf, waitUntil } from './sim-client.js';

/** Fast enough to play several shifts in well under a second. */
const FAST: SimulatorOptions = {
  agents: 3,
  timeScale: 40_000,
  scenario: { shiftMinutes: 45, offShiftMinutes: 2, loginSpreadMinutes: 1 },
};

/** What must repeat for a seed: per agent, each event's type, status/state, reason and ids. */
const signature = (events: readonly EmittedEvent[], agentId: string): string[] =>
  events
    .filter((e) => e.agentId === agentId)
    .map(({ event: e, sessionId }) =>
      [sessionId, typeOf(e), e.Status ?? e.CurrentState ?? '', e.CurrentOutReason ?? '', e.ContactID ?? e.ContactId ?? '', e.FinalState ?? ''].join('|'),
    );

const runScenario = async (options: SimulatorOptions, ms: number): Promise<{ emitted: EmittedEvent[]; agentIds: readonly string[] }> => {
  const sim = await startCxoneSimulator(options);
  try {
    sim.startScenario();
    await new Promise((resolve) => setTimeout(resolve, ms));
    sim.stopScenario();
    return { emitted: [...sim.emittedEvents()], agentIds: sim.agentIds };
  } finally {
    await sim.close();
  }
};

describe('scenario engine', () => {
  it('plays the same events for the same seed', async () => {
    const [a, b, c] = await Promise.all([
      runScenario({ ...FAST, seed: 42 }, 700),
      runScenario({ ...FAST, seed: 42 }, 700),
      runScenario({ ...FAST, seed: 43 }, 700),
    ]);

    for (const agentId of a.agentIds) {
      const sa = signature(a.emitted, agentId);
      const sb = signature(b.emitted, agentId);
      const sc = signature(c.emitted, agentId);
      const n = Math.min(sa.length, sb.length);
      // Runs stop at slightly different points, so compare the common prefix.
      expect(n).toBeGreaterThan(40);
      expect(sa.slice(0, n)).toEqual(sb.slice(0, n));
      expect(sa.slice(0, Math.min(n, sc.length))).not.toEqual(sc.slice(0, Math.min(n, sc.length)));
    }
  });

  it('plays inbound calls in the documented order', async () => {
    const { emitted, agentIds } = await runScenario({ ...FAST, seed: 7 }, 700);
    let completeCalls = 0;

    for (const agentId of agentIds) {
      const flow = emitted
        .filter((e) => e.agentId === agentId)
        .map((e) => e.event)
        .filter((e) => typeOf(e) === 'CallContactEvent' || typeOf(e) === 'AgentState');
      flow.forEach((event, i) => {
        if (typeOf(event) !== 'CallContactEvent' || event.Status !== 'Incoming') return;
        const call = flow.slice(i).filter((e) => e.ContactID === event.ContactID || typeOf(e) === 'AgentState');
        const end = call.findIndex((e) => e.FinalState === 'True');
        if (end < 0) return; // stopped mid-call
        // An optional hold (Holding then Active again) may sit between Active and Disconnected.
        const steps = call
          .slice(0, end + 2)
          .map(step)
          .join(',')
          .replaceAll(',Call:Holding,Call:Active', '')
          .split(',');
        expect(steps).toEqual([
          'Call:Incoming',
          'State:InboundContact',
          'Call:Active',
          'Call:Disconnected:False',
          'State:Unavailable:ACW:True',
          'Call:Disconnected:True',
          'State:Available',
        ]);
        completeCalls++;
      });
    }
    expect(completeCalls).toBeGreaterThan(3);
  });

  it.skipIf(!samplesAvailable)('emits only events that match the sample contract', async () => {
    const { contract } = loadSampleContract();
    const { emitted } = await runScenario({ ...FAST, seed: 3 }, 500);
    const types = new Set(emitted.map((e) => typeOf(e.event)));

    const problems = emitted.flatMap((e) => contractViolations(contract, e.event));

    expect(problems).toEqual([]);
    for (const expected of ['AgentSessionStart', 'AgentLeg', 'AgentState', 'CallContactEvent', 'AgentSessionEnd']) {
      expect(types).toContain(expected);
    }
  });

  it('ends every session on logout-all, so each poller sees AgentSessionEnd then 409, with nothing lost', async () => {
    const sim = await startCxoneSimulator({
      agents: 4,
      timeScale: 600,
      seed: 21,
      scenario: { shiftMinutes: 600, loginSpreadMinutes: 0 },
    });
    try {
      const token = await getToken(sim);
      sim.startScenario();
      await waitUntil(() => sim.agents().every((a) => a.loggedIn), 'every agent is logged in');
      const pollers = sim.agentIds.map((agentId) => pollUntilEnd(sim, token, agentId));
      await new Promise((resolve) => setTimeout(resolve, 1_500));

      const ended = sim.logoutAll();
      const results = await Promise.all(pollers);

      expect(ended).toBe(4);
      expect(sim.scenarioRunning).toBe(false);
      for (const { agentId, events, finalStatus } of results) {
        expect(finalStatus).toBe(409);
        expect(typeOf(events.at(-1) ?? {})).toBe('AgentSessionEnd');
        // Zero loss: the poller saw exactly what the simulator emitted for the session, in order.
        expect(events).toEqual(sim.emittedEvents({ agentId }).map((e) => e.event));
      }
      expect(sim.stats().eventsQueued).toBe(0);
    } finally {
      await sim.close();
    }
  });
});

const step = (e: CxoneEvent): string =>
  typeOf(e) === 'AgentState'
    ? ['State', e.CurrentState, e.IsAcw === 'True' ? `${e.CurrentOutReason}:True` : ''].filter(Boolean).join(':')
    : ['Call', e.Status, e.Status === 'Disconnected' ? e.FinalState : ''].filter(Boolean).join(':');

/** Joins the agent's session and polls until 409, as the bridge's loop does. */
const pollUntilEnd = async (sim: CxoneSimulator, token: string, agentId: string) => {
  const joined = await api(sim, token, 'POST', '/agent-sessions/join', { asAgentId: agentId });
  let cursor: string = joined.json.sessionId;
  const events: CxoneEvent[] = [];
  for (;;) {
    const res = await poll(sim, token, cursor, 5);
    if (res.status === 200) {
      cursor = res.json.sessionId;
      events.push(...res.json.events);
    } else if (res.status !== 304) {
      return { agentId, events, finalStatus: res.status };
    }
  }
};
