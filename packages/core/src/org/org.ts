import type { OrgLevel } from './org-code.js';

export interface OrgUnit {
  code: string;
  name: string;
  level: OrgLevel;
  parentCode: string | null;
}
