import type { TFunction } from 'i18next';
import { formatTime } from '../i18n';
import { ApiError } from './api';

const LABELLED = ['VALIDATION', 'ILLEGAL_TRANSITION', 'RULE_VIOLATION', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];
const APP_STATUSES = ['pending', 'approved', 'rejected', 'withdrawn', 'expired', 'revoked', 'stamped'];

/**
 * A sentence for the person in front of the screen. Server messages are English: the
 * common codes get a translated sentence; the domain refusals keep the server's reason
 * after a translated label, so the exact rule stays visible.
 */
export function errorText(e: unknown, t: TFunction, ctx: 'login' | 'app' = 'app'): string {
  if (!(e instanceof ApiError)) return `${t('errors.generic')}${t('errors.sep')}${e instanceof Error ? e.message : String(e)}`;
  switch (e.code) {
    case 'UNAUTHENTICATED':
      return ctx === 'login' ? t('errors.UNAUTHENTICATED') : t('errors.SESSION_EXPIRED');
    case 'ACCOUNT_LOCKED': {
      const until = typeof e.details?.lockedUntil === 'string' ? e.details.lockedUntil : null;
      return until ? t('errors.ACCOUNT_LOCKED_UNTIL', { until: formatTime(until) }) : t('errors.ACCOUNT_LOCKED');
    }
    case 'RATE_LIMITED':
    case 'NETWORK':
    case 'FORBIDDEN':
    case 'NOT_FOUND':
    case 'TOTP_REQUIRED':
      return t(`errors.${e.code}`);
  }
  if (e.code === 'VALIDATION' && e.field === 'code') return t('errors.CODE_WRONG');
  // A photo the server could not take: say which one and why, in the reader's words.
  const reason = e.details?.reason;
  if (typeof reason === 'string' && ['UNSUPPORTED_IMAGE', 'CORRUPT_IMAGE', 'TOO_LARGE', 'TOO_MANY_PIXELS'].includes(reason)) {
    const file = typeof e.details?.file === 'string' ? e.details.file : '';
    const page = /^page (\d+)$/.exec(file)?.[1];
    const which = page ? t('errors.photoPage', { n: page }) : file === 'resolution' ? t('errors.photoResolution') : t('errors.photoOther');
    return `${which}${t('errors.sep')}${t(`errors.photo_${reason}`)}`;
  }
  // A refused lifecycle step names the state and the step: say it in the reader's words, keep the rule.
  const from = e.details?.from;
  const action = e.details?.action;
  if (e.code === 'ILLEGAL_TRANSITION' && typeof from === 'string' && typeof action === 'string') {
    // Seals and applications share some state names (revoked): the action tells them apart.
    const application = APP_STATUSES.includes(from) && !['file', 'activate', 'hand_over', 'suspend', 'declare_lost', 'retire'].includes(action);
    const text = application
      ? t('errors.transitionApp', { status: t(`appStatus.${from}`), action: t(`app.${action}`, { defaultValue: action }) })
      : t('errors.transition', { status: t(`status.${from}`), action: t(`actions.${action}`) });
    return `${t('errors.ILLEGAL_TRANSITION')}${t('errors.sep')}${text}（${e.message}）`;
  }
  if (LABELLED.includes(e.code)) return `${t(`errors.${e.code}`)}${t('errors.sep')}${e.message}`;
  return `${t('errors.generic')}${t('errors.sep')}${e.message}`;
}
