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
