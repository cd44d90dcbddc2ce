// Password hashing compatible with Synapse (synapse/handlers/auth.py: hash / validate_hash):
// NFKC-normalise, UTF-8 encode, append password_config.pepper, bcrypt at bcrypt_rounds. bcrypt only
// reads 72 bytes, so the input is cut there explicitly. Synapse's $2b$ hashes verify unchanged, so a
// Synapse users table can be brought over.
//
// `bcrypt` (native) runs in libuv's thread pool, so hashing never blocks the event loop; hashes
// queue for a bounded number of slots (lib/auth/hashing-slots.ts).
import bcrypt from "bcrypt";
import { metrics } from "../metrics/recorder";
import { createSlots, hashingSlotCount } from "./hashing-slots";

const inHashingSlot = createSlots(hashingSlotCount());

export interface PasswordSettings {
  pepper: string;
  rounds: number;
}

function passwordBytes(password: string, pepper: string): Buffer {
  const bytes = Buffer.concat([Buffer.from(password.normalize("NFKC"), "utf8"), Buffer.from(pepper, "utf8")]);
  return bytes.subarray(0, 72);
}

export function hashPassword(password: string, settings: PasswordSettings): Promise<string> {
  return counted(inHashingSlot(() => bcrypt.hash(passwordBytes(password, settings.pepper), settings.rounds)));
}

/**
 * Counts the hash as queued until it settles (synapse_sso_password_hashing_queue_length): hashes
 * run a few at a time, so a login storm shows as a growing queue before it shows as latency.
 */
function counted<T>(hashing: Promise<T>): Promise<T> {
  const recorder = metrics();
  if (!recorder) return hashing;
  recorder.hashing(1);
  return hashing.finally(() => recorder.hashing(-1));
}

// Compared against when the user does not exist or has no password, so that a wrong user name
// costs as long as a wrong password and response times do not reveal which accounts exist.
const dummyHashes = new Map<number, Promise<string>>();
function dummyHash(rounds: number): Promise<string> {
  let hash = dummyHashes.get(rounds);
  if (!hash) {
    hash = inHashingSlot(() => bcrypt.hash("no such user", rounds));
    dummyHashes.set(rounds, hash);
  }
  return hash;
}

export async function verifyPassword(
  password: string,
  hash: string | null | undefined,
  settings: PasswordSettings,
): Promise<boolean> {
  const input = passwordBytes(password, settings.pepper);
  if (!hash) {
    // An empty or missing stored hash never matches (as in Synapse), but still costs a hash.
    const dummy = await dummyHash(settings.rounds);
    await counted(inHashingSlot(() => bcrypt.compare(input, dummy)));
    return false;
  }
  try {
    return await counted(inHashingSlot(() => bcrypt.compare(input, hash)));
  } catch {
    return false;
  }
}
