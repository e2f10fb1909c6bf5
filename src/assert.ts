// Assertions stay on in production: they guard boundaries (decoded messages, state
// transitions, disk records). A failed assertion is a bug or corruption, never user error.

export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) {
    throw new AssertionError(typeof message === 'function' ? message() : message);
  }
}

export function unreachable(value: never, what: string): never {
  throw new AssertionError(`unreachable: unexpected ${what}: ${JSON.stringify(value)}`);
}
