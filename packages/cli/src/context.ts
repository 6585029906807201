import { loadConfig, openRuntime, type Runtime } from '@cunzhang/server';

export class UsageError extends Error {}

/** Opens the product's storage as configured by the same CUNZHANG_* variables as the server. */
export async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const rt = await openRuntime(loadConfig(env));
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

export type Out = (line: string) => void;
