import { AppError } from '../errors.js';

/**
 * Seal lifecycle (domain §3): 制发 issued → 备案 filed → active → 移交 handed_over →
 * suspended / 遗失作废 void → retired. `handed_over` is in use, under a keeper who received
 * it by a handover slip; it can be handed over again.
 */
export const SEAL_STATUSES = ['issued', 'filed', 'active', 'handed_over', 'suspended', 'void', 'retired'] as const;
export type SealStatus = (typeof SEAL_STATUSES)[number];

export const SEAL_ACTIONS = ['file', 'activate', 'hand_over', 'suspend', 'declare_lost', 'retire'] as const;
export type SealAction = (typeof SEAL_ACTIONS)[number];

const TRANSITIONS: Record<SealAction, { from: readonly SealStatus[]; to: SealStatus }> = {
  file: { from: ['issued'], to: 'filed' },
  activate: { from: ['filed', 'suspended'], to: 'active' },
  hand_over: { from: ['active', 'handed_over'], to: 'handed_over' },
  suspend: { from: ['active', 'handed_over'], to: 'suspended' },
  declare_lost: { from: ['issued', 'filed', 'active', 'handed_over', 'suspended'], to: 'void' },
  retire: { from: ['filed', 'active', 'handed_over', 'suspended', 'void'], to: 'retired' },
};

const WHY: Record<SealAction, string> = {
  file: 'only a newly issued seal can be filed',
  activate: 'only a filed or suspended seal can be put into use',
  hand_over: 'only a seal in use can be handed over',
  suspend: 'only a seal in use can be suspended',
  declare_lost: 'a void or retired seal cannot be declared lost again',
  retire: 'a seal must be filed before it can be retired, and cannot be retired twice',
};

/** The state after `action`, or ILLEGAL_TRANSITION naming the reason. */
export function nextStatus(current: SealStatus, action: SealAction): SealStatus {
  const t = TRANSITIONS[action];
  if (!t.from.includes(current)) {
    throw new AppError('ILLEGAL_TRANSITION', `cannot ${action.replace('_', ' ')} a seal that is ${current}: ${WHY[action]}`, {
      field: 'status',
      details: { from: current, action, allowedFrom: t.from },
    });
  }
  return t.to;
}

export function allowedActions(current: SealStatus): SealAction[] {
  return SEAL_ACTIONS.filter((a) => TRANSITIONS[a].from.includes(current));
}

export const isUsable = (s: SealStatus): boolean => s === 'active' || s === 'handed_over';

export interface SealType {
  code: string;
  nameZh: string;
  nameEn: string;
  /** Where the seal is kept: in the village, or at the town's economic management station. */
  custody: 'village' | 'station';
  builtin: boolean;
}

export const BUILTIN_SEAL_TYPES: readonly SealType[] = [
  { code: 'village_committee', nameZh: '村(居)民委员会印章', nameEn: 'Village committee seal', custody: 'village', builtin: true },
  { code: 'contract', nameZh: '村民委员会合同专用章', nameEn: 'Contract-only seal', custody: 'station', builtin: true },
  { code: 'party_branch', nameZh: '党支部印章', nameEn: 'Party branch seal', custody: 'village', builtin: true },
  { code: 'supervision', nameZh: '村务监督委员会印章', nameEn: 'Supervision committee seal', custody: 'village', builtin: true },
  { code: 'finance', nameZh: '财务专用章', nameEn: 'Finance seal', custody: 'station', builtin: true },
];

export interface Seal {
  id: string;
  typeCode: string;
  /** The owning unit (12-digit village code). */
  orgCode: string;
  name: string;
  status: SealStatus;
  issuingAuthority: string;
  filingNumber: string | null;
  activatedAt: string | null;
  keeperUserId: string | null;
  approverUserIds: string[];
  /** Unit that physically keeps it: the village itself, or the town (station). */
  custodyOrgCode: string;
  impressionBlob: string | null;
  deviceId: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface HandoverSlip {
  id: string;
  sealId: string;
  giverUserId: string | null;
  giverName: string;
  receiverUserId: string;
  receiverName: string;
  witnessName: string;
  handedAt: string;
  note: string;
  impressionBlob: string | null;
}
