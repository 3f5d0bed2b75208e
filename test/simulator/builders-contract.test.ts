import { describe, expect, it } from 'vitest';
import {
  buildAgentLeg,
  buildAgentSessionEnd,
  buildAgentSessionStart,
  buildAgentState,
  buildCallContactEvent,
  buildConference,
  buildCustomEvent,
  buildDigitalContactEvent,
  buildIndicator,
  buildMute,
  buildPopUrl,
  buildUpdatePermissions,
  buildVoiceMailContactEvent,
  buildWorkItemContactEvent,
  type CxoneEvent,
  closeContactEvent,
} from '../../local/cxone-simulator/index.js';
import { contractViolations, kindOf, loadSampleContract, SAMPLES_PATH, samplesAvailable } from './sample-contract.js';

const hosts = { iisHost: 'SIM-C31COR01', vcHost: 'SIM-C31COR01' };
const at = Date.parse('2025-03-12T14:05:10.000Z');

/** Builder outputs per sample type, covering each builder's variants. */
const built: Record<string, CxoneEvent[]> = {
  AgentSessionStart: [
    buildAgentSessionStart({
      hosts,
      busNo: '4598765',
      agentId: '2103457',
      sessionId: '698120331042',
      agentUuid: '11ee4c2a-7f1b-4c3e-9b1d-2f6a0c9d4e51',
      stationPhoneNumber: '8015550143',
    }),
  ],
  AgentSessionEnd: [buildAgentSessionEnd({ hosts })],
  AgentLeg: [
    buildAgentLeg({ hosts, agentLegId: '698127440012', status: 'Dialing' }),
    buildAgentLeg({ hosts, agentLegId: '698127440012', status: 'Disconnected', finalState: true }),
  ],
  AgentState: [
    buildAgentState({ hosts, state: 'LoggedIn', at }),
    buildAgentState({ hosts, state: 'Unavailable', outReason: 'Break', at }),
    buildAgentState({
      hosts,
      state: 'Unavailable',
      outReason: 'ACW',
      at,
      isAcw: true,
      acwTimeoutSeconds: 60,
      nextStates: [{ State: 'Available', OutReason: '' }],
    }),
  ],
  CallContactEvent: (() => {
    const base = { hosts, contactId: '698127455501', ani: '8015550187', dnis: '8885550100', skillId: '4187652', startedAt: at };
    const incoming = buildCallContactEvent({
      ...base,
      status: 'Incoming',
      changedAt: at,
      screenPopUrl: 'https://crm.example.test/pop',
      timeoutSeconds: 20,
    });
    return [
      incoming,
      buildCallContactEvent({ ...base, status: 'Holding', changedAt: at + 1000 }),
      buildCallContactEvent({ ...base, status: 'Disconnected', finalState: true, changedAt: at + 2000 }),
      closeContactEvent(incoming, at + 3000),
    ];
  })(),
  DigitalContactEvent: (['Incoming', 'Active', 'Disconnected'] as const).map((status) =>
    buildDigitalContactEvent({
      hosts,
      contactId: '698127487720',
      dfoContactId: '4d2b7a1c-0c55-4a9e-8f51-77e3d0a1b2c3',
      status,
      channelType: 'Chat',
      customerName: 'Jordan Sample',
      skillName: 'Digital_Support',
      startedAt: at,
    }),
  ),
  WorkItemContactEvent: [
    buildWorkItemContactEvent({
      hosts,
      contactId: '698127491177',
      agentId: '2103457',
      sessionId: '698120331042',
      status: 'Incoming',
      skillId: '4187700',
      startedAt: at,
      changedAt: at,
      workItemId: 'WI-000814',
      workItemType: 'Callback',
      workItemPayload: '{"ticket":"T-55120"}',
    }),
  ],
  VoiceMailContactEvent: [
    buildVoiceMailContactEvent({
      hosts,
      contactId: '698127493308',
      status: 'Discarded',
      finalState: true,
      startedAt: at,
      changedAt: at + 90_000,
      createdAt: at - 50_000,
      fileDurationSeconds: 37,
      from: '8015550166',
      to: '8885550100',
      skillId: '4187711',
      skillName: 'VM_Support',
    }),
  ],
  Mute: [buildMute({ hosts, muted: true }), buildMute({ hosts, muted: false })],
  Indicator: [
    buildIndicator({
      hosts,
      contactId: '698127455501',
      name: 'VIPCaller',
      toolTip: 'Priority customer',
      actionUri: 'https://crm.example.test/vip',
      imageUri: 'https://crm.example.test/vip.png',
    }),
  ],
  PopURL: [buildPopUrl({ hosts, contactId: '698127455501', url: 'https://crm.example.test/case', tabTitle: 'Caller record' })],
  CustomEvent: [buildCustomEvent({ hosts, eventName: 'CrmLookupDone', data: '{"tier":"gold"}' })],
  UpdatePermissions: [buildUpdatePermissions({ hosts })],
  Conference: [buildConference({ hosts, conferenceNo: '771204' })],
};

describe.skipIf(!samplesAvailable)(`event builders against ${SAMPLES_PATH}`, () => {
  const { contract } = samplesAvailable ? loadSampleContract() : { contract: new Map() };

  it('has a builder for every event type in the samples', () => {
    expect(Object.keys(built).sort()).toEqual([...contract.keys()].sort());
  });

  it.each(Object.entries(built))('builds %s with exactly the sample key set and value kinds', (_type, events) => {
    for (const event of events) expect(contractViolations(contract, event)).toEqual([]);
  });

  it('flags an event whose keys or value kinds drift from the samples', () => {
    const drifted = { ...buildMute({ hosts, muted: true }), AgentMuted: true, Extra: '' };
    expect(contractViolations(contract, drifted)).toHaveLength(2);
  });

  it('keeps the casing quirks: ContactID on calls, ContactId on voicemail and PopURL, lowercase CustomEvent keys', () => {
    expect(built.CallContactEvent?.[0]).toHaveProperty('ContactID');
    expect(built.CallContactEvent?.[0]).toHaveProperty('MasterID');
    expect(built.WorkItemContactEvent?.[0]).toHaveProperty('MasterId');
    expect(built.VoiceMailContactEvent?.[0]).toHaveProperty('ContactId');
    expect(built.PopURL?.[0]).toHaveProperty('ContactId');
    expect(Object.keys(built.CustomEvent?.[0] ?? {})).toEqual(['IISHost', 'VCHost', 'type', 'eventName', 'data']);
  });
});

describe('event builders', () => {
  it('encodes every value as a string except AgentState.NextStates', () => {
    for (const events of Object.values(built)) {
      for (const event of events) {
        for (const [key, value] of Object.entries(event)) {
          if (key === 'NextStates') expect(Array.isArray(value)).toBe(true);
          else expect(typeof value, key).toBe('string');
        }
      }
    }
  });

  it('writes UTC times with Z and BU-local times without an offset', () => {
    const state = buildAgentState({ hosts, state: 'Available', at });
    expect(state.StartTimeUTC).toBe('2025-03-12T14:05:10.000Z');
    expect(state.StartTime).toBe('2025-03-12T08:05:10.000');
    expect(kindOf(state.StartTime)).toBe('date');
  });

  it('builds RemoteAgentSessionEnd with RemoteLogoff for a remote end', () => {
    expect(buildAgentSessionEnd({ hosts, remote: true })).toMatchObject({
      Type: 'RemoteAgentSessionEnd',
      Success: 'True',
      Message: 'RemoteLogoff',
    });
  });
});
