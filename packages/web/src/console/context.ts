import { createContext, useContext } from 'react';
import type { Me, Org } from '../lib/types';

export interface ConsoleCtx {
  me: Me;
  /** Name of an org unit the person can see, or the code itself. */
  orgName: (code: string) => string;
  /** The village units under the person's grants, in code order. */
  villages: Org[];
  /** The towns under the person's grants (for defaults such as the issuing authority). */
  towns: Org[];
}

export const ConsoleContext = createContext<ConsoleCtx | null>(null);

export function useConsole(): ConsoleCtx {
  const c = useContext(ConsoleContext);
  if (!c) throw new Error('useConsole outside the console');
  return c;
}
