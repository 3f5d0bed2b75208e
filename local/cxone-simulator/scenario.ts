import type { AgentPlatform, AgentRecord, SessionRecord } from './agent-platform.js';
import type { SimClock } from './clock.js';
import {
  buildAgentLeg,
  buildAgentState,
  buildCallContactEvent,
  buildCustomEvent,
  buildDigitalContactEvent,
  buildIndicator,
  buildMute,
  buildPopUrl,
  buildUpdatePermissions,
  buildVoiceMailContactEvent,
  buildWorkItemContactEvent,
  type CallStatus,
  type CxoneEvent,
  closeContactEvent,
} from './event-builders.js';
import type { ScenarioOptions } from './options.js';
import type { Rng } from './rng.js';

/** Settings of the scenario engine. */
export interface ScenarioEngineProps {
  readonly platform: AgentPlatform;
  readonly clock: SimClock;
  readonly rng: Rng;
  /** Real time runs `timeScale` times slower than simulated time. */
  readonly timeScale: number;
  readonly options: ScenarioOptions;
  /** The agents whose shifts are played. */
  readonly agentIds: () => readonly string[];
}

const SKILLS = ['4187652', '4187653', '4187660'] as const;
const CUSTOMER_NAMES = ['Jordan Sample', 'Casey Example', 'Riley Test', 'Morgan Demo', 'Taylor Placeholder'] as const;
const CHANNELS = ['Chat', 'Email', 'Sms', 'Whatsapp'] as const;

/** Thrown inside an agent's script when its session ended under it (logout from outside). */
class SessionGoneError extends Error {
  override readonly name = 'SessionGoneError';
}

/** Thrown inside an agent's script when the engine stops. */
class ScenarioStoppedError extends Error {
  override readonly name = 'ScenarioStoppedError';
}

interface AgentRun {
  readonly agent: AgentRecord;
  readonly rng: Rng;
  readonly signal: AbortSignal;
}

/**
 * Plays agent shifts at `timeScale`: login, inbound calls (§5.3 order), digital contacts, work items,
 * voicemails, breaks, occasional Mute/Indicator/PopURL/CustomEvent, end of shift and logout, then
 * another shift after `offShiftMinutes`. Each agent draws from its own generator forked from the seed,
 * and ids are allocated per agent, so an agent's event sequence is reproducible whatever the timing.
 */
export class ScenarioEngine {
  private controller: AbortController | undefined;
  /** Kept across stop/start so a restarted engine continues the same random streams. */
  private readonly agentRngs = new Map<string, Rng>();

  constructor(private readonly props: ScenarioEngineProps) {}

  /** True while shifts are being played. */
  get running(): boolean {
    return this.controller !== undefined;
  }

  /** Starts playing shifts for every agent (no-op if running). */
  start(): void {
    if (this.controller) return;
    const controller = new AbortController();
    this.controller = controller;
    for (const agentId of this.props.agentIds()) {
      const agent = this.props.platform.ensureAgent(agentId);
      let rng = this.agentRngs.get(agentId);
      if (!rng) {
        rng = this.props.rng.fork(`agent:${agentId}`);
        this.agentRngs.set(agentId, rng);
      }
      this.runAgent({ agent, rng, signal: controller.signal }).catch((error: unknown) => {
        // Rethrowing here would be an unhandled rejection that kills the host process (tests, twin).
        if (!(error instanceof ScenarioStoppedError)) console.error('cxone-simulator: scenario agent failed', agentId, error);
      });
    }
  }

  /**
   * Stops generating events at once. Sessions stay as they are (agents stay logged in, maybe
   * mid-call); use logout-all to end them.
   */
  stop(): void {
    this.controller?.abort();
    this.controller = undefined;
  }

  private async runAgent(run: AgentRun): Promise<void> {
    const { platform, options } = this.props;
    await this.sleep(run, run.rng.between(0, options.loginSpreadMinutes * 60));
    for (;;) {
      const existing = run.agent.session;
      const session = existing ?? platform.startSession(run.agent.agentId)?.session;
      if (session) {
        try {
          await this.shift(run, session, existing === undefined);
        } catch (error) {
          if (!(error instanceof SessionGoneError)) throw error;
        }
      }
      await this.sleep(run, options.offShiftMinutes * 60 * run.rng.between(0.8, 1.2));
    }
  }

  private async shift(run: AgentRun, session: SessionRecord, fresh: boolean): Promise<void> {
    const { rng } = run;
    const emit = (event: CxoneEvent) => this.emit(session, event);
    const hosts = session.hosts;
    if (fresh) {
      // The desktop dials the agent's phone; the leg connects a few seconds later.
      await this.sleep(run, rng.between(2, 6));
      emit(buildAgentLeg({ hosts, agentLegId: session.agentLegId, status: 'Active' }));
      if (rng.chance(0.5)) emit(buildUpdatePermissions({ hosts }));
      await this.sleep(run, rng.between(10, 60));
      emit(this.state(session, 'Available'));
    } else {
      // Adopting a session logged in from outside (or left mid-call by a stopped engine): tidy it up.
      const now = this.props.clock.now();
      for (const contact of [...session.live.contacts.values()]) emit(closeContactEvent(contact, now));
      if (session.live.agentState?.CurrentState !== 'Available') emit(this.state(session, 'Available'));
    }
    const shiftSeconds = this.props.options.shiftMinutes * 60 * rng.between(0.9, 1.1);
    let elapsed = 0;
    const sleep = async (seconds: number) => {
      elapsed += seconds;
      await this.sleep(run, seconds);
    };
    while (elapsed < shiftSeconds) {
      await sleep(rng.exponential(this.props.options.meanIdleSeconds));
      if (elapsed >= shiftSeconds) break;
      const activity = rng.weighted({ call: 50, digital: 15, workItem: 7, voiceMail: 5, break: 10, signal: 5 });
      if (activity === 'call') await this.call(run, session, sleep);
      else if (activity === 'digital') await this.digital(run, session, sleep);
      else if (activity === 'workItem') await this.workItem(run, session, sleep);
      else if (activity === 'voiceMail') await this.voiceMail(run, session, sleep);
      else if (activity === 'break') await this.takeBreak(run, session, sleep);
      else if (rng.chance(0.5)) emit(buildUpdatePermissions({ hosts }));
      else emit(buildCustomEvent({ hosts, eventName: 'ShiftNotice', data: JSON.stringify({ notice: 'team-huddle' }) }));
    }
    emit(this.state(session, 'Unavailable', 'EndOfShift'));
    await this.sleep(run, rng.between(20, 60));
    this.assertCurrent(session);
    this.props.platform.endSession(session);
  }

  /** Inbound call in the order of CXone's "Agent Session Events" page, with optional hold, mute and script events. */
  private async call(run: AgentRun, session: SessionRecord, sleep: (s: number) => Promise<void>): Promise<void> {
    const { rng } = run;
    const hosts = session.hosts;
    const emit = (event: CxoneEvent) => this.emit(session, event);
    const contactId = this.props.platform.nextContactId(run.agent);
    const ani = `801555${rng.int(1000, 9999)}`;
    const skillId = rng.pick(SKILLS);
    const startedAt = this.props.clock.now();
    const call = (status: CallStatus, finalState = false) =>
      buildCallContactEvent({
        hosts,
        contactId,
        status,
        finalState,
        ani,
        dnis: '8885550100',
        skillId,
        startedAt,
        changedAt: status === 'Incoming' ? startedAt : this.props.clock.now(),
        // Only the offer carries the pop URL and the refusal timeout (as in the samples).
        ...(status === 'Incoming' ? { screenPopUrl: `https://crm.example.test/pop?ani=${ani}`, timeoutSeconds: 20 } : {}),
      });

    emit(call('Incoming'));
    emit(this.state(session, 'InboundContact'));
    await sleep(rng.between(3, 12));
    emit(call('Active'));
    if (rng.chance(0.4)) {
      emit(buildPopUrl({ hosts, contactId, url: `https://crm.example.test/case?contact=${contactId}`, tabTitle: 'Caller record' }));
    }
    if (rng.chance(0.15)) {
      emit(
        buildIndicator({
          hosts,
          contactId,
          name: 'VIPCaller',
          toolTip: 'Priority customer',
          actionUri: 'https://crm.example.test/vip',
          imageUri: 'https://crm.example.test/vip.png',
        }),
      );
    }
    if (rng.chance(0.2)) {
      emit(buildCustomEvent({ hosts, eventName: 'CrmLookupDone', data: JSON.stringify({ accountId: `A-${rng.int(10000, 99999)}` }) }));
    }
    const talk = rng.between(60, 420);
    if (rng.chance(0.2)) {
      await sleep(talk * 0.3);
      emit(buildMute({ hosts, muted: true }));
      await sleep(rng.between(5, 30));
      emit(buildMute({ hosts, muted: false }));
    }
    if (rng.chance(0.35)) {
      await sleep(talk * 0.3);
      emit(call('Holding'));
      await sleep(rng.between(10, 90));
      emit(call('Active'));
    }
    await sleep(talk * 0.4);
    // The voice path drops first (FinalState False); the contact closes when ACW ends.
    emit(call('Disconnected', false));
    emit(
      buildAgentState({
        hosts,
        state: 'Unavailable',
        outReason: 'ACW',
        at: this.props.clock.now(),
        isAcw: true,
        acwTimeoutSeconds: 60,
        nextStates: [{ State: 'Available', OutReason: '' }],
      }),
    );
    await sleep(rng.between(10, 60));
    emit(call('Disconnected', true));
    emit(this.state(session, 'Available'));
  }

  /** A digital contact; as in the samples it does not change the agent state. */
  private async digital(run: AgentRun, session: SessionRecord, sleep: (s: number) => Promise<void>): Promise<void> {
    const { rng } = run;
    const base = {
      hosts: session.hosts,
      contactId: this.props.platform.nextContactId(run.agent),
      dfoContactId: uuidFrom(rng),
      channelType: rng.pick(CHANNELS),
      customerName: rng.pick(CUSTOMER_NAMES),
      skillName: 'Digital_Support',
      startedAt: this.props.clock.now(),
    };
    this.emit(session, buildDigitalContactEvent({ ...base, status: 'Incoming' }));
    await sleep(rng.between(5, 20));
    this.emit(session, buildDigitalContactEvent({ ...base, status: 'Active' }));
    await sleep(rng.between(120, 900));
    this.emit(session, buildDigitalContactEvent({ ...base, status: 'Disconnected' }));
  }

  private async workItem(run: AgentRun, session: SessionRecord, sleep: (s: number) => Promise<void>): Promise<void> {
    const { rng } = run;
    const contactId = this.props.platform.nextContactId(run.agent);
    const startedAt = this.props.clock.now();
    const item = (status: 'Incoming' | 'Active' | 'Disconnected', finalState = false) =>
      buildWorkItemContactEvent({
        hosts: session.hosts,
        contactId,
        agentId: run.agent.agentId,
        sessionId: session.platformSessionId,
        status,
        finalState,
        skillId: '4187700',
        startedAt,
        changedAt: status === 'Incoming' ? startedAt : this.props.clock.now(),
        workItemId: `WI-${contactId.slice(-6)}`,
        workItemType: 'Callback',
        workItemPayload: JSON.stringify({ ticket: `T-${rng.int(10000, 99999)}` }),
      });
    this.emit(session, item('Incoming'));
    this.emit(session, this.state(session, 'InboundContact'));
    await sleep(rng.between(5, 15));
    this.emit(session, item('Active'));
    await sleep(rng.between(60, 300));
    this.emit(session, item('Disconnected', true));
    this.emit(session, this.state(session, 'Available'));
  }

  private async voiceMail(run: AgentRun, session: SessionRecord, sleep: (s: number) => Promise<void>): Promise<void> {
    const { rng } = run;
    const contactId = this.props.platform.nextContactId(run.agent);
    const startedAt = this.props.clock.now();
    const createdAt = startedAt - Math.round(rng.between(30, 600) * 1000);
    const from = `801555${rng.int(1000, 9999)}`;
    const duration = rng.int(5, 120);
    const vm = (status: 'Incoming' | 'Active' | 'Discarded', finalState = false) =>
      buildVoiceMailContactEvent({
        hosts: session.hosts,
        contactId,
        status,
        finalState,
        startedAt,
        changedAt: status === 'Incoming' ? startedAt : this.props.clock.now(),
        createdAt,
        fileDurationSeconds: duration,
        from,
        to: '8885550100',
        skillId: '4187711',
        skillName: 'VM_Support',
      });
    this.emit(session, vm('Incoming'));
    this.emit(session, this.state(session, 'InboundContact'));
    await sleep(rng.between(3, 10));
    this.emit(session, vm('Active'));
    await sleep(duration + rng.between(10, 60));
    this.emit(session, vm('Discarded', true));
    this.emit(session, this.state(session, 'Available'));
  }

  private async takeBreak(run: AgentRun, session: SessionRecord, sleep: (s: number) => Promise<void>): Promise<void> {
    const { rng } = run;
    const reason = rng.weighted({ Break: 5, Lunch: 2, Meeting: 1, Training: 1 });
    const minutes = { Break: [5, 15], Lunch: [25, 40], Meeting: [15, 45], Training: [20, 60] }[reason];
    this.emit(session, this.state(session, 'Unavailable', reason));
    await sleep(rng.between(minutes[0] ?? 5, minutes[1] ?? 15) * 60);
    this.emit(session, this.state(session, 'Available'));
  }

  private state(session: SessionRecord, state: 'Available' | 'Unavailable' | 'InboundContact', outReason = '') {
    return buildAgentState({ hosts: session.hosts, state, outReason, at: this.props.clock.now() });
  }

  private emit(session: SessionRecord, event: CxoneEvent): void {
    this.assertCurrent(session);
    if (!this.props.platform.emit(session, event)) throw new SessionGoneError('session ended');
  }

  private assertCurrent(session: SessionRecord): void {
    if (session.agent.session !== session) throw new SessionGoneError('session ended');
  }

  /** Waits `simSeconds` of simulated time; rejects as soon as the engine stops. */
  private sleep(run: AgentRun, simSeconds: number): Promise<void> {
    const ms = (simSeconds * 1000) / this.props.timeScale;
    return new Promise((resolve, reject) => {
      if (run.signal.aborted) return reject(new ScenarioStoppedError('stopped'));
      const onAbort = () => {
        clearTimeout(timer);
        reject(new ScenarioStoppedError('stopped'));
      };
      const timer = setTimeout(() => {
        run.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      run.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** A GUID drawn from the seeded generator (DFO case ids must be reproducible too). */
const uuidFrom = (rng: Rng): string => {
  const hex = (n: number) => Array.from({ length: n }, () => rng.int(0, 15).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${rng.pick(['8', '9', 'a', 'b'] as const)}${hex(3)}-${hex(12)}`;
};
