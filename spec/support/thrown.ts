import * as assert from 'uvu/assert';

/** The error `fn` throws; fails the test (naming `label`) if it returns instead. */
export function thrown(fn: () => unknown, label = 'call'): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new assert.Assertion({ message: `${label}: expected a throw, the call returned`, operator: 'throws', generated: false, expects: 'throw', actual: 'no throw' });
}
