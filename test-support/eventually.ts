// Polls `read` until `done` holds or `seconds` pass, and returns the last value read: for state that a
// background thread or timer changes, which a test can only watch for.
export async function eventually<T>(read: () => T | Promise<T>, done: (value: T) => boolean, seconds = 10): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

/**
 * Polls `probe` until it answers something other than undefined or false, and returns that; a probe
 * that throws counts as "not yet" (a server still starting, a database still locked). Throws after
 * `seconds`, naming `what` and the error of the last probe, if it threw.
 */
export async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, seconds = 30): Promise<T> {
  let lastError: unknown;
  const pending = (value: T | undefined | false): value is undefined | false => value === undefined || value === false;
  const value = await eventually(
    async () => {
      try {
        const answer = await probe();
        lastError = undefined;
        return answer;
      } catch (error) {
        lastError = error;
        return undefined;
      }
    },
    (answer) => !pending(answer),
    seconds,
  );
  if (pending(value)) throw new Error(`timed out waiting for ${what}${lastError === undefined ? "" : ` (last error: ${String(lastError)})`}`);
  return value;
}
