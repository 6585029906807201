import { ALARM_RULES as CORE_RULES, ALARM_STATUSES as CORE_ALARM_STATUSES, COMMAND_STATUSES as CORE_COMMANDS, DEVICE_STATUSES as CORE_DEVICE_STATUSES, MAINTENANCE_KINDS as CORE_MAINT, REPORTED_STATES as CORE_STATES, SEVERITIES as CORE_SEVERITIES } from '@cunzhang/core';
import { describe, expect, it } from 'vitest';
import { ALARM_RULES, ALARM_STATUSES, COMMAND_STATUSES, DEVICE_STATUSES, MAINTENANCE_KINDS, REPORTED_STATES, SEVERITIES } from './device-types';

describe('the page\'s copies of the device and alarm lists', () => {
  it('are the same as the domain\'s, in the same order', () => {
    expect(ALARM_RULES).toEqual(CORE_RULES);
    expect(ALARM_STATUSES).toEqual(CORE_ALARM_STATUSES);
    expect(SEVERITIES).toEqual(CORE_SEVERITIES);
    expect(DEVICE_STATUSES).toEqual(CORE_DEVICE_STATUSES);
    expect(REPORTED_STATES).toEqual(CORE_STATES);
    expect(COMMAND_STATUSES).toEqual(CORE_COMMANDS);
    expect(MAINTENANCE_KINDS).toEqual(CORE_MAINT);
  });
});
