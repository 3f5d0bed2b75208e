/**
 * Typed builders for the CXone Agent API events the simulator emits.
 *
 * Wire rules (CXone "Agent Session Events" page): a flat JSON object whose values are strings ("True"/"False", decimal
 * strings, ISO dates) except `AgentState.NextStates` (an array); `ContactID` vs `ContactId` casing
 * differs per type; CustomEvent uses lowercase keys; every event carries `IISHost` and `VCHost`.
 * Key sets match `cxone-sample-events.json` exactly (checked by the contract test).
 */
import { buLocalIso, NO_DATE, utcIso } from './clock.js';

/** Any event as it travels on the wire. */
export type CxoneEvent = Readonly<Record<string, unknown>>;

/** `"True"` / `"False"`: how CXone encodes booleans. */
export type CxoneBool = 'True' | 'False';

/** Platform server names stamped on every event (useful in NICE support tickets). */
export interface EventHosts {
  readonly iisHost: string;
  readonly vcHost: string;
}

/** Encodes a boolean the CXone way. */
export const cxBool = (value: boolean): CxoneBool => (value ? 'True' : 'False');

const hostFields = (hosts: EventHosts) => ({ IISHost: hosts.iisHost, VCHost: hosts.vcHost });

// ---------------------------------------------------------------------------------------------
// Session and agent leg

/** Inputs for {@link buildAgentSessionStart}. */
export interface AgentSessionStartInput {
  readonly hosts: EventHosts;
  readonly busNo: string;
  readonly agentId: string;
  /** Platform session id (numeric string), stable for the login; not the API sessionId. */
  readonly sessionId: string;
  readonly agentUuid: string;
  readonly stationId?: string;
  readonly stationPhoneNumber?: string;
  readonly stationCallerId?: string;
  readonly maxConcurrentChats?: number;
}

/** The first event of every session (and of every snapshot). */
export const buildAgentSessionStart = (i: AgentSessionStartInput) => ({
  ...hostFields(i.hosts),
  Type: 'AgentSessionStart' as const,
  BusNo: i.busNo,
  AgentId: i.agentId,
  StationId: i.stationId ?? '',
  StationPhoneNumber: i.stationPhoneNumber ?? '',
  StationCallerId: i.stationCallerId ?? '8885550100',
  SessionId: i.sessionId,
  DialerCampaign: '',
  // No campaign: CXone still sends a parseable date, never "".
  DialerCampaignStartTime: NO_DATE,
  SupervisorPermissionLevel: '0',
  CanMask: cxBool(true),
  AgentSchedulePermission: cxBool(true),
  ScoreRecordingsPermission: cxBool(false),
  HideAgentStatePermission: '',
  ClientConnectorPort: '0',
  CanMultiPartyConference: cxBool(true),
  MaxConcurrentChats: String(i.maxConcurrentChats ?? 2),
  CanRecord: cxBool(true),
  EnabledForMCH: cxBool(false),
  UseCustomerCard: cxBool(false),
  AgentUUId: i.agentUuid,
  EntityMode: cxBool(false),
});

/** Inputs for {@link buildAgentSessionEnd}. */
export interface AgentSessionEndInput {
  readonly hosts: EventHosts;
  /** `RemoteAgentSessionEnd` when a supervisor or the platform ended the session (CXone "Agent Session Events" page). */
  readonly remote?: boolean;
  readonly success?: boolean;
  /** Reason; remote ends use `RemoteLogoff` or `SessionTimeout`. */
  readonly message?: string;
}

/** The final event of a session; after the batch carrying it every poll answers 409. */
export const buildAgentSessionEnd = (i: AgentSessionEndInput) => ({
  ...hostFields(i.hosts),
  Type: i.remote ? ('RemoteAgentSessionEnd' as const) : ('AgentSessionEnd' as const),
  Success: cxBool(i.success ?? true),
  Message: i.message ?? (i.remote ? 'RemoteLogoff' : ''),
});

/** AgentLeg `Status` values (the agent's own phone line). */
export type AgentLegStatus = 'Dialing' | 'Active' | 'Disconnected';

/** Inputs for {@link buildAgentLeg}. */
export interface AgentLegInput {
  readonly hosts: EventHosts;
  readonly agentLegId: string;
  readonly status: AgentLegStatus;
  readonly finalState?: boolean;
}

/** The agent leg changed status. */
export const buildAgentLeg = (i: AgentLegInput) => ({
  ...hostFields(i.hosts),
  Type: 'AgentLeg' as const,
  AgentLegId: i.agentLegId,
  Status: i.status,
  FinalState: cxBool(i.finalState ?? false),
});

// ---------------------------------------------------------------------------------------------
// Agent state

/** AgentState `CurrentState` values. */
export type AgentStateName =
  | 'Available'
  | 'Unavailable'
  | 'InboundContact'
  | 'OutboundContact'
  | 'InboundConsult'
  | 'OutboundConsult'
  | 'Dialer'
  | 'DialerPending'
  | 'LoggedIn'
  | 'LoggedOut';

/** One queued state after ACW (`NextStates` is the one array-valued field on the wire). */
export interface NextState {
  readonly State: string;
  readonly OutReason: string;
}

/** Inputs for {@link buildAgentState}. */
export interface AgentStateInput {
  readonly hosts: EventHosts;
  readonly state: AgentStateName;
  /** Unavailable-code name (`Break`, `ACW`, ...), "" otherwise. */
  readonly outReason?: string;
  /** When the state began (epoch ms). */
  readonly at: number;
  readonly isAcw?: boolean;
  /** ACW auto-exit seconds, only meaningful with `isAcw`. */
  readonly acwTimeoutSeconds?: number;
  readonly nextStates?: readonly NextState[];
  readonly nextIsAcw?: boolean;
}

/** The agent's state changed. */
export const buildAgentState = (i: AgentStateInput) => ({
  ...hostFields(i.hosts),
  Type: 'AgentState' as const,
  CurrentState: i.state,
  CurrentOutReason: i.outReason ?? '',
  StartTimeUTC: utcIso(i.at),
  StartTime: buLocalIso(i.at),
  IsAcw: cxBool(i.isAcw ?? false),
  // The samples send "" outside ACW and the ACW timeout in seconds during it.
  AcwTimeout: i.isAcw ? String(i.acwTimeoutSeconds ?? 60) : '',
  NextStates: (i.nextStates ?? []).map((n) => ({ State: n.State, OutReason: n.OutReason })),
  NextIsAcw: cxBool(i.nextIsAcw ?? false),
});

// ---------------------------------------------------------------------------------------------
// Contacts

/** CallContactEvent `Status` values (CXone "Agent Session Events" page; `Incoming` means ringing at the agent). */
export type CallStatus = 'Incoming' | 'Dialing' | 'Active' | 'Holding' | 'Joined' | 'Masking' | 'Disconnected' | 'CallBackDisconnected';

/** Inputs for {@link buildCallContactEvent}. */
export interface CallContactInput {
  readonly hosts: EventHosts;
  readonly contactId: string;
  /** Defaults to `contactId` (a transfer creates a new ContactID under the same MasterID). */
  readonly masterId?: string;
  readonly status: CallStatus;
  readonly finalState?: boolean;
  readonly callType?: string;
  readonly ani: string;
  readonly dnis: string;
  /** Numeric skill id (per NICE QA code). */
  readonly skillId: string;
  readonly isInbound?: boolean;
  readonly startedAt: number;
  readonly changedAt: number;
  readonly screenPopUrl?: string;
  /** Offer timeout seconds; "" is allowed by the SDK and read as 0. */
  readonly timeoutSeconds?: number;
  readonly parentContactId?: string;
}

/** A voice contact changed status. Note `ContactID`/`MasterID` (upper-case D). */
export const buildCallContactEvent = (i: CallContactInput) => ({
  ...hostFields(i.hosts),
  Type: 'CallContactEvent' as const,
  ContactID: i.contactId,
  MasterID: i.masterId ?? i.contactId,
  Status: i.status,
  OriginalState: cxBool(false),
  CallType: i.callType ?? 'Regular',
  DNIS: i.dnis,
  ANI: i.ani,
  Skill: i.skillId,
  IsInbound: cxBool(i.isInbound ?? true),
  StartTimeUTC: utcIso(i.startedAt),
  StartTime: buLocalIso(i.startedAt),
  LastStateChangeTimeUTC: utcIso(i.changedAt),
  LastStateChangeTime: buLocalIso(i.changedAt),
  ScreenPopUrl: i.screenPopUrl ?? '',
  DisconnectCode: '',
  IsLogging: cxBool(false),
  Timeout: i.timeoutSeconds === undefined ? '' : String(i.timeoutSeconds),
  AllowDispositions: cxBool(true),
  Label: '',
  IsLinked: cxBool(false),
  TimeZones: '',
  FinalState: cxBool(i.finalState ?? false),
  OtherInformation: '',
  OtherInformationNewFormat: '',
  BlendingToSkillName: '',
  DeliveryType: '',
  CustomData: '',
  // "" breaks the SDK's cast, so always a flag.
  ComplianceRecord: cxBool(false),
  ConfirmationRequired: cxBool(false),
  ParentContactId: i.parentContactId ?? '',
  OmniGroupId: '',
  ExternalId: '',
  AnsMachineOverride: '',
  AnsMachineOverrideEndTime: '',
  InteractionId: '',
});

/** Inputs for {@link buildDigitalContactEvent}. */
export interface DigitalContactInput {
  readonly hosts: EventHosts;
  readonly contactId: string;
  /** Digital (DFO) case id. */
  readonly dfoContactId: string;
  readonly status: 'Incoming' | 'Active' | 'Disconnected';
  readonly channelType: string;
  readonly customerName: string;
  readonly skillName: string;
  readonly startedAt: number;
  readonly refusalTimeoutSeconds?: number;
}

/** A digital (chat, email, SMS, ...) contact changed status. The samples carry no FinalState. */
export const buildDigitalContactEvent = (i: DigitalContactInput) => ({
  ...hostFields(i.hosts),
  Type: 'DigitalContactEvent' as const,
  ContactID: i.contactId,
  ChannelType: i.channelType,
  CustomerName: i.customerName,
  DFOContactId: i.dfoContactId,
  RefusalTimeout: String(i.refusalTimeoutSeconds ?? 45),
  SkillName: i.skillName,
  StartTime: buLocalIso(i.startedAt),
  StartTimeUTC: utcIso(i.startedAt),
  Status: i.status,
});

/** Inputs for {@link buildWorkItemContactEvent}. */
export interface WorkItemContactInput {
  readonly hosts: EventHosts;
  readonly contactId: string;
  readonly agentId: string;
  /** Platform session id (schema-required on work items). */
  readonly sessionId: string;
  readonly status: 'Incoming' | 'Active' | 'Disconnected' | 'Interrupted' | 'Transfer';
  readonly finalState?: boolean;
  readonly skillId: string;
  readonly startedAt: number;
  readonly changedAt: number;
  readonly workItemId: string;
  readonly workItemType: string;
  readonly workItemPayload: string;
  readonly refusalTimeoutSeconds?: number;
}

/** A work item changed status. Note `ContactID` but `MasterId` (lower-case d). */
export const buildWorkItemContactEvent = (i: WorkItemContactInput) => ({
  ...hostFields(i.hosts),
  Type: 'WorkItemContactEvent' as const,
  ContactID: i.contactId,
  MasterId: i.contactId,
  AgentId: i.agentId,
  SessionId: i.sessionId,
  Status: i.status,
  FinalState: cxBool(i.finalState ?? false),
  SkillId: i.skillId,
  StartTime: buLocalIso(i.startedAt),
  StartTimeUTC: utcIso(i.startedAt),
  LastStateChangeTime: buLocalIso(i.changedAt),
  LastStateChangeTimeUTC: utcIso(i.changedAt),
  ScreenPopUrl: '',
  WorkItemId: i.workItemId,
  WorkItemType: i.workItemType,
  WorkItemPayload: i.workItemPayload,
  RefusalTimeout: String(i.refusalTimeoutSeconds ?? 30),
  CustomData: '',
  OmniGroupId: '',
  ParentContactId: '',
  InFocus: cxBool(true),
  Url: '',
  TabTitle: '',
  PopDestination: '',
  // Numeric fields must not be "" (SDK cast), so 0 means "no pop-out".
  PopoutWindowHeight: '0',
  PopoutWindowWidth: '0',
  ClosePopoutUponTermination: cxBool(false),
});

/** Inputs for {@link buildVoiceMailContactEvent}. */
export interface VoiceMailContactInput {
  readonly hosts: EventHosts;
  readonly contactId: string;
  readonly status: 'Incoming' | 'Active' | 'Holding' | 'Discarded';
  readonly finalState?: boolean;
  readonly startedAt: number;
  readonly changedAt: number;
  readonly createdAt: number;
  readonly fileDurationSeconds: number;
  readonly from: string;
  readonly to: string;
  readonly skillId: string;
  readonly skillName: string;
}

/** A voicemail changed status. Note `ContactId` (lower-case d) but `MasterID`; BU-local times only. */
export const buildVoiceMailContactEvent = (i: VoiceMailContactInput) => ({
  ...hostFields(i.hosts),
  Type: 'VoiceMailContactEvent' as const,
  ContactId: i.contactId,
  MasterID: i.contactId,
  Status: i.status,
  FinalState: cxBool(i.finalState ?? false),
  IsInbound: cxBool(true),
  StartTime: buLocalIso(i.startedAt),
  LastStateChangeTime: buLocalIso(i.changedAt),
  CreatedDate: buLocalIso(i.createdAt),
  FileName: `vm_${i.contactId}.wav`,
  FileDuration: String(i.fileDurationSeconds),
  From: i.from,
  To: i.to,
  Skill: i.skillId,
  SkillName: i.skillName,
  ScreenPopUrl: '',
  CustomData: '',
  Label: '',
  OmniGroupId: '',
  ParentContactId: '',
  RequireDisposition: cxBool(false),
  VoiceMailType: '',
});

// ---------------------------------------------------------------------------------------------
// Signals and UI hints

/** Inputs for {@link buildMute}. */
export interface MuteInput {
  readonly hosts: EventHosts;
  readonly muted: boolean;
}

/** The agent's microphone was muted or unmuted. */
export const buildMute = (i: MuteInput) => ({
  ...hostFields(i.hosts),
  Type: 'Mute' as const,
  AgentMuted: cxBool(i.muted),
});

/** Inputs for {@link buildIndicator}. */
export interface IndicatorInput {
  readonly hosts: EventHosts;
  readonly contactId: string;
  readonly name: string;
  readonly toolTip: string;
  readonly actionType?: 'RunExe' | 'OpenURL' | 'SpawnScript' | 'SignalScript' | 'ShowCustomForm';
  readonly actionUri: string;
  readonly imageUri: string;
  readonly on?: boolean;
}

/** A Studio script lit an indicator for a contact. */
export const buildIndicator = (i: IndicatorInput) => ({
  ...hostFields(i.hosts),
  Type: 'Indicator' as const,
  ContactID: i.contactId,
  Name: i.name,
  ActionType: i.actionType ?? 'OpenURL',
  ActionUri: i.actionUri,
  ImageUri: i.imageUri,
  ToolTip: i.toolTip,
  IndicatorState: i.on === false ? 'Off' : 'On',
});

/** Inputs for {@link buildPopUrl}. */
export interface PopUrlInput {
  readonly hosts: EventHosts;
  readonly contactId: string;
  readonly url: string;
  readonly tabTitle: string;
  readonly popDestination?: string;
}

/** A Studio script asked the agent UI to open a page. Note `ContactId` (lower-case d). */
export const buildPopUrl = (i: PopUrlInput) => ({
  ...hostFields(i.hosts),
  Type: 'PopURL' as const,
  ContactId: i.contactId,
  URL: i.url,
  TabTitle: i.tabTitle,
  PopDestination: i.popDestination ?? 'Interaction',
  PopoutWindowHeight: '600',
  PopoutWindowWidth: '800',
  ClosePopoutUponTermination: cxBool(false),
});

/** Inputs for {@link buildCustomEvent}. */
export interface CustomEventInput {
  readonly hosts: EventHosts;
  readonly eventName: string;
  /** Payload string (often JSON text). */
  readonly data: string;
}

/** A Studio CUSTOMEVENT action fired. The one event with lower-case `type`, `eventName`, `data`. */
export const buildCustomEvent = (i: CustomEventInput) => ({
  ...hostFields(i.hosts),
  type: 'CustomEvent' as const,
  eventName: i.eventName,
  data: i.data,
});

/** Signal only: the agent's permissions changed and should be re-fetched. */
export const buildUpdatePermissions = (i: { readonly hosts: EventHosts }) => ({
  ...hostFields(i.hosts),
  Type: 'UpdatePermissions' as const,
});

/** A conference was formed (semantics undocumented by CXone). */
export const buildConference = (i: { readonly hosts: EventHosts; readonly conferenceNo: string }) => ({
  ...hostFields(i.hosts),
  Type: 'Conference' as const,
  ConferenceNo: i.conferenceNo,
});

// ---------------------------------------------------------------------------------------------
// Helpers over arbitrary events (they may come from the admin API, so no type is assumed)

/** The event's discriminator (`Type`, or `type` on CustomEvent). */
export const eventType = (event: CxoneEvent): string => {
  const t = event.Type ?? event.type;
  return typeof t === 'string' ? t : '';
};

/** The contact id under either casing (`ContactID` or `ContactId`), or undefined. */
export const eventContactId = (event: CxoneEvent): string | undefined => {
  const id = event.ContactID ?? event.ContactId;
  return typeof id === 'string' && id !== '' ? id : undefined;
};

/** True for `...ContactEvent` types, which carry a contact's full state. */
export const isContactEvent = (event: CxoneEvent): boolean => eventType(event).endsWith('ContactEvent');

/** True when a contact event closes its contact (FinalState True, or a digital contact disconnecting). */
export const isFinalContactEvent = (event: CxoneEvent): boolean =>
  event.FinalState === 'True' || (event.FinalState === undefined && (event.Status === 'Disconnected' || event.Status === 'Discarded'));

/** True for the event that ends a session. */
export const isSessionEndEvent = (event: CxoneEvent): boolean => {
  const t = eventType(event);
  return t === 'AgentSessionEnd' || t === 'RemoteAgentSessionEnd';
};

/**
 * The closing version of an open contact: the same fields with a final status. Why a patch and not a
 * builder: the contact may have been enqueued through the admin API with a type we have no builder for.
 */
export const closeContactEvent = (last: CxoneEvent, at: number): CxoneEvent => {
  const type = eventType(last);
  const patch: Record<string, unknown> = { Status: type === 'VoiceMailContactEvent' ? 'Discarded' : 'Disconnected' };
  if ('FinalState' in last) patch.FinalState = 'True';
  if ('LastStateChangeTimeUTC' in last) patch.LastStateChangeTimeUTC = utcIso(at);
  if ('LastStateChangeTime' in last) patch.LastStateChangeTime = buLocalIso(at);
  return { ...last, ...patch };
};
