import { useEffect, useState } from 'react';
import { api } from '../lib/api';
import type { UserView } from '../lib/types';

/** Names for the people in the trail, when the reader may look people up (user.read). */
export function useActorNames(ids: string[], allowed: boolean): Map<string, string> {
  const [names, setNames] = useState<Map<string, string>>(new Map());
  const wanted = [...new Set(ids)].filter((id) => id !== 'system' && !names.has(id)).sort().join(',');
  useEffect(() => {
    if (!allowed || !wanted) return;
    let live = true;
    void Promise.all(wanted.split(',').map((id) => api.get<UserView>(`/api/users/${encodeURIComponent(id)}`).then((u) => [id, u.name] as const).catch(() => [id, id] as const)))
      .then((pairs) => {
        if (live) setNames((m) => new Map([...m, ...pairs]));
      });
    return () => {
      live = false;
    };
  }, [wanted, allowed]);
  return names;
}
