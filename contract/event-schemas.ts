import { z } from 'zod';
import { UNTYPED_EVENT_TYPE } from './cxone-events.js';
import { EventMetadataSchema } from './envelope.js';
import { FaultClass } from './fault-state.js';
import { isLifecycleDetailType, LifecycleDetailType, LifecycleMetadataSchema, PollingEndReasonSchema } from './lifecycle.js';

/**
 * Zod schemas of the CXone events we know (CXone "Agent Session Events" page), and of the EventBridge events we publish
 * for them. They are the one source of the JSON Schemas in `schemas/` and in the stack's schema
 * registry, so consumers can generate code bindings.
 *
 * Permissive by design: CXone adds fields without notice and leaves out empty ones, so every field
 * but the type is optional and unknown fields are allowed. Values are strings on the wire, with the
 * few exceptions that page names (NextStates, ScreenPopUrlVariables, CustomEvent's lower-case keys).
 */

/** `"True"` / `"False"`, as CXone sends booleans. */
const flag = () => z.string().describe('"True" or "False"');
/** A decimal number sent as a string. */
const count = () => z.string().describe('decimal number as a string');
/** An ISO-8601 timestamp string. */
const time = () => z.string().describe('ISO-8601 timestamp');
const text = () => z.string();

type FieldShape = Record<string, z.ZodType>;

interface EventTypeSpec {
  description: string;
  fields: FieldShape;
}

/** Fields shared by the contact events (calls, voicemail, work items, digital). */
const contactFields = {
  Status: text(),
  FinalState: flag(),
  StartTime: time(),
  StartTimeUTC: time(),
  LastStateChangeTime: time(),
  LastStateChangeTimeUTC: time(),
  ScreenPopUrl: text(),
  CustomData: text(),
  OmniGroupId: text(),
  ParentContactId: text(),
};

/** Every event type we publish a schema for, by CXone `Type` (= our `detail-type`). */
const EVENT_TYPES: Record<string, EventTypeSpec> = {
  AgentSessionStart: {
    description: 'First event after a session start or join (and after a poll with an old sessionId): who the agent is and what they may do.',
    fields: {
      BusNo: count(),
      AgentId: count(),
      SessionId: count().describe('platform session id, stable for the login (not the API sessionId)'),
      StationId: text(),
      StationPhoneNumber: text(),
      StationCallerId: text(),
      DialerCampaign: text(),
      DialerCampaignStartTime: time(),
      SupervisorPermissionLevel: count(),
      ClientConnectorPort: count(),
      MaxConcurrentChats: count(),
      CanMask: flag(),
      ScoreRecordingsPermission: flag(),
      CanMultiPartyConference: flag(),
      CanRecord: flag(),
      EnabledForMCH: flag(),
      UseCustomerCard: flag(),
      EntityMode: flag(),
      AgentSchedulePermission: text(),
      HideAgentStatePermission: text(),
      AgentUUId: text(),
      portNo: count(),
    },
  },
  AgentSessionEnd: { description: 'The agent session ended.', fields: { Success: flag(), Message: text() } },
  RemoteAgentSessionEnd: { description: 'The agent session was ended remotely (RemoteLogoff, SessionTimeout).', fields: { Success: flag(), Message: text() } },
  AgentState: {
    description: "The agent's state changed.",
    fields: {
      CurrentState: text().describe(
        'Available, Unavailable, InboundContact, OutboundContact, InboundConsult, OutboundConsult, Dialer, DialerPending, LoggedIn, LoggedOut',
      ),
      CurrentOutReason: text(),
      StartTimeUTC: time(),
      StartTime: time(),
      IsAcw: flag(),
      AcwTimeout: count(),
      NextStates: z.array(z.looseObject({ State: text().optional(), OutReason: text().optional() })).describe('states queued after after-contact work'),
      NextIsAcw: flag(),
    },
  },
  AgentLeg: {
    description: "The agent's own phone line.",
    fields: { AgentLegId: count(), Status: text().describe('Dialing, Active, Disconnected'), FinalState: flag() },
  },
  CallContactEvent: {
    description: 'A voice contact at the agent changed status.',
    fields: {
      ...contactFields,
      ContactID: count(),
      MasterID: count(),
      CallType: text(),
      ANI: text(),
      DNIS: text(),
      Skill: text(),
      IsInbound: flag(),
      OriginalState: flag(),
      IsLogging: flag(),
      AllowDispositions: flag(),
      IsLinked: flag(),
      ConfirmationRequired: flag(),
      ScreenPopUrlVariables: z.union([z.string(), z.record(z.string(), z.unknown())]).describe('script variables; may be an object'),
      Timeout: text(),
      DisconnectCode: text(),
      Label: text(),
      TimeZones: text(),
      OtherInformation: text(),
      OtherInformationNewFormat: text(),
      BlendingToSkillName: text(),
      DeliveryType: text(),
      ExternalId: text(),
      ComplianceRecord: text(),
      AnsMachineOverride: text(),
      AnsMachineOverrideEndTime: text(),
      InteractionId: text(),
      CustomerCardUrl: text(),
      IsRequireManualAccept: flag(),
    },
  },
  DigitalContactEvent: {
    description: 'A digital (DFO) contact: chat, e-mail, SMS, messaging.',
    fields: {
      ContactID: count(),
      DFOContactId: text(),
      ChannelType: text(),
      CustomerName: text(),
      SkillName: text(),
      RefusalTimeout: count(),
      StartTime: time(),
      StartTimeUTC: time(),
      Status: text(),
    },
  },
  WorkItemContactEvent: {
    description: 'A work item contact changed status.',
    fields: {
      ...contactFields,
      ContactID: count(),
      MasterId: count(),
      AgentId: count(),
      SessionId: count(),
      SkillId: count(),
      WorkItemId: text(),
      WorkItemType: text(),
      WorkItemPayload: text(),
      RefusalTimeout: count(),
      PopoutWindowHeight: count(),
      PopoutWindowWidth: count(),
      Url: text(),
      TabTitle: text(),
      PopDestination: text(),
      InFocus: flag(),
      ClosePopoutUponTermination: flag(),
    },
  },
  VoiceMailContactEvent: {
    description: 'A voicemail contact changed status.',
    fields: {
      ...contactFields,
      ContactId: count(),
      MasterID: count(),
      CreatedDate: text(),
      FileName: text(),
      FileDuration: text(),
      From: text(),
      To: text(),
      Skill: text(),
      SkillName: text(),
      IsInbound: flag(),
      RequireDisposition: flag(),
      Label: text(),
      VoiceMailType: text(),
    },
  },
  ChatContactEvent: { description: 'A chat contact (named by CXone, ignored by its agent SDK).', fields: { ...contactFields, ContactID: count() } },
  EmailContactEvent: { description: 'An e-mail contact (named by CXone, ignored by its agent SDK).', fields: { ...contactFields, ContactId: count() } },
  Mute: { description: "The agent's microphone was muted or unmuted.", fields: { AgentMuted: flag() } },
  UpdatePermissions: { description: "Signal only: re-fetch the agent's permissions.", fields: {} },
  UpdateIndicators: { description: 'Signal only: re-fetch indicators.', fields: {} },
  UpdateMessages: { description: 'Signal only: re-fetch messages.', fields: {} },
  UpdateSkills: { description: "Signal only: re-fetch the agent's skills.", fields: {} },
  UpdateDialerCampaigns: { description: 'Signal only: re-fetch dialer campaigns.', fields: {} },
  UpdateCallbacks: { description: 'Signal only: re-fetch callbacks.', fields: {} },
  UpdateUnavailableCodes: { description: 'Signal only: re-fetch unavailable codes.', fields: {} },
  Indicator: {
    description: 'An indicator for the agent or a contact.',
    fields: { ContactID: count(), Name: text(), ToolTip: text(), ActionType: text(), ActionUri: text(), ImageUri: text(), IndicatorState: text() },
  },
  PopURL: {
    description: 'A page to open for a contact.',
    fields: {
      ContactId: count(),
      URL: text(),
      TabTitle: text(),
      PopDestination: text(),
      PopoutWindowHeight: count(),
      PopoutWindowWidth: count(),
      ClosePopoutUponTermination: flag(),
    },
  },
  Conference: { description: 'A conference.', fields: { ConferenceNo: count() } },
  PageOpen: { description: 'A page to open for a contact.', fields: { ContactID: count(), PageUri: text(), Action: text() } },
  RunApp: {
    description: 'An application to run for a contact.',
    fields: { ActionType: text(), ActionValue: text(), ContactId: count(), WaitTimeout: count() },
  },
  AgentAssist: {
    description: 'An agent-assist application for a contact.',
    fields: { ContactId: count(), AppUri: text(), AppTitle: text(), AgentAssistAppConfigJson: text() },
  },
  MchAgentSettingsChangeEvent: {
    description: "The agent's multi-channel settings changed.",
    fields: {
      ChatThreshold: count(),
      SmsThreshold: count(),
      EmailThreshold: count(),
      WorkItemThreshold: count(),
      DigitalThreshold: count(),
      VoiceThreshold: count(),
      TotalContactCount: count(),
      ContactAutoFocus: flag(),
      RequestContact: flag(),
      DeliveryMode: text(),
    },
  },
  PromiseKeeper: {
    description: 'A scheduled callback is due.',
    fields: {
      AgentId: count(),
      CallbackId: count(),
      CallbackTime: time(),
      CallbackExpireTime: time(),
      DeliveryTime: time(),
      DialNumber: text(),
      FirstName: text(),
      LastName: text(),
      Notes: text(),
      OrigNumber: text(),
      SkillId: count(),
      TargetType: text(),
    },
  },
  PromiseKeeperStatus: { description: 'Status of a scheduled callback.', fields: { Status: text() } },
  VoiceMailPlayBackEvent: { description: 'Voicemail playback position.', fields: { ContactId: count(), PlayBackPaused: flag(), PlayBackPosition: count() } },
  NaturalCallingSkillList: { description: 'Natural-calling skills.', fields: { Empty: flag() } },
  HoursOfOperation: { description: 'Hours of operation.', fields: { ShowContinueReskill: flag() } },
  AgentWorkflowConfiguration: { description: 'Agent workflow configuration.', fields: {} },
};

/** Builds the schema of one CXone event type: `Type` fixed, every listed field optional, unknown fields allowed. */
function cxoneEventSchema(type: string, spec: EventTypeSpec): z.ZodType {
  const optional = Object.fromEntries(Object.entries(spec.fields).map(([key, schema]) => [key, schema.optional()]));
  return z.looseObject({ Type: z.literal(type), IISHost: text().optional(), VCHost: text().optional(), ...optional }).describe(spec.description);
}

/** `detail.data` by detail type: the CXone events (CustomEvent spells its keys in lower case, §5) and the bridge's own lifecycle events. */
export const CXONE_EVENT_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  ...Object.fromEntries(Object.entries(EVENT_TYPES).map(([type, spec]) => [type, cxoneEventSchema(type, spec)])),
  CustomEvent: z
    .looseObject({
      type: z.literal('CustomEvent'),
      eventName: text().optional().describe('name set in the Studio action'),
      data: text().optional().describe('payload string'),
      IISHost: text().optional(),
      VCHost: text().optional(),
    })
    .describe('A custom event sent by a Studio script.'),
  [UNTYPED_EVENT_TYPE]: z.looseObject({}).describe('A CXone event with no type at all, published as it came.'),
  ...lifecycleSchemas(),
};

/** The bridge's own detail types (lambdas/poll-session/lifecycle.ts): what happened to the polling of a session. */
function lifecycleSchemas(): Record<string, z.ZodType> {
  const descriptions: Record<string, string> = {
    [LifecycleDetailType.PollerRestarted]:
      "Discovery started the agent login's poller again after its execution failed, was stopped or timed out; published by discovery, so metadata has no sequence.",
    [LifecycleDetailType.PollingStarted]: 'The bridge started polling this agent session.',
    [LifecycleDetailType.PollingEnded]: 'The bridge stopped polling this agent session; data.reason says why (agent-session-end, session-gone).',
    [LifecycleDetailType.SessionResynced]: 'The session was rejoined or an unreadable batch skipped; CXone restatements may follow.',
    [LifecycleDetailType.Heartbeat]: 'The session is alive but has had no events for a while.',
    [LifecycleDetailType.PollingDegraded]:
      'A fault outlived the quick retries; polling backs off (up to 5 minutes, 15 when CXone refuses the credentials) and keeps trying with the same cursor. data.reason, data.faultClass and data.degradedSince say what and since when.',
    [LifecycleDetailType.PollingRecovered]: 'The first poll after a degraded spell succeeded: data.degradedForSeconds, data.faults and the last data.reason.',
  };
  const pollerRestarted = z
    .looseObject({
      execution: z.string().describe('the new Step Functions execution polling the login (<base>-r<n>)'),
      session: z.string().describe("the login's session key: the execution name without restart and generation suffixes"),
      previousExecution: z.string().describe('the execution that ended'),
      previousStatus: z.enum(['FAILED', 'ABORTED', 'TIMED_OUT']).describe('how it ended: ABORTED is a StopExecution'),
      previousStopDate: z.string().optional().describe('when it ended (ISO 8601)'),
    })
    .describe(descriptions[LifecycleDetailType.PollerRestarted] as string);
  const sessionLifecycleTypes = Object.values(LifecycleDetailType).filter((type) => type !== LifecycleDetailType.PollerRestarted);
  return Object.fromEntries([
    [LifecycleDetailType.PollerRestarted, pollerRestarted],
    ...sessionLifecycleTypes.map((type) => [
      type,
      z
        .looseObject({
          execution: z.string().describe('Step Functions execution polling the session'),
          polls: z.number().int().nonnegative(),
          resyncs: z.number().int().nonnegative(),
          reason:
            type === LifecycleDetailType.PollingEnded
              ? PollingEndReasonSchema.describe('agent-session-end: CXone sent AgentSessionEnd; session-gone: 409, or nothing to rejoin')
              : z.string().optional(),
          faultClass: z
            .enum(Object.values(FaultClass) as [FaultClass, ...FaultClass[]])
            .optional()
            .describe('PollingDegraded/PollingRecovered: transient, refused (credentials or permissions) or unexpected'),
          degradedSince: z.string().optional().describe('PollingDegraded/PollingRecovered: ISO time of the first fault'),
          degradedForSeconds: z.number().int().nonnegative().optional().describe('PollingRecovered: how long polling was degraded'),
          faults: z.number().int().positive().optional().describe('PollingDegraded/PollingRecovered: faults in a row'),
        })
        .describe(descriptions[type] ?? type),
    ]),
  ]);
}

/** Detail types published outside a session's numbering: their metadata carries no `sequence`. */
const UNSEQUENCED_DETAIL_TYPES: ReadonlySet<string> = new Set([LifecycleDetailType.PollerRestarted]);

/** The detail types we publish schemas for, sorted. */
export const KNOWN_DETAIL_TYPES: readonly string[] = Object.keys(CXONE_EVENT_SCHEMAS).sort();

/** The full EventBridge event of one detail type: the envelope, our metadata, the CXone event. */
export function publishedEventSchema(detailType: string): z.ZodType {
  const data = CXONE_EVENT_SCHEMAS[detailType];
  if (!data) throw new Error(`no schema for detail type ${detailType}`);
  return z
    .looseObject({
      version: z.string(),
      id: z.string(),
      'detail-type': z.literal(detailType),
      source: z.string(),
      account: z.string(),
      time: z.string(),
      region: z.string(),
      resources: z.array(z.string()),
      detail: z.looseObject({
        metadata: (UNSEQUENCED_DETAIL_TYPES.has(detailType)
          ? EventMetadataSchema.omit({ sequence: true })
          : isLifecycleDetailType(detailType)
            ? LifecycleMetadataSchema
            : EventMetadataSchema
        ).loose(),
        data,
      }),
    })
    .describe(`cxone-eventbridge ${detailType} event: detail.metadata is added by the bridge, detail.data is the CXone event as received.`);
}

/** The JSON Schema (draft 4, as the EventBridge schema registry takes it) of one detail type's event. */
export function publishedEventJsonSchema(detailType: string): Record<string, unknown> {
  const { $schema, ...schema } = z.toJSONSchema(publishedEventSchema(detailType), { target: 'draft-04' });
  return { $schema, title: detailType, ...schema };
}

/** The files `npm run schemas` writes to `schemas/`: one `<DetailType>.json` per detail type. */
export function schemaFiles(): Record<string, string> {
  return Object.fromEntries(KNOWN_DETAIL_TYPES.map((type) => [`${type}.json`, `${JSON.stringify(publishedEventJsonSchema(type), null, 2)}\n`]));
}
