import { AppError } from './errors.js';

/** For core's tests: the AppError `fn` throws (any other error passes through; none fails). */
export function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}
