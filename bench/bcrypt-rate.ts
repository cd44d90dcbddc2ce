// The physical reference for password login: how many bcrypt hashes this machine computes per
// second per core at the configured cost, with the `bcrypt` package the service uses. Its async API
// runs in libuv's thread pool, so keeping `cores` hashes in flight uses every core.
import os from "node:os";
import bcrypt from "bcrypt";

export interface BcryptRate {
  rounds: number;
  cores: number;
  hashes: number;
  seconds: number;
  hashesPerSecond: number;
  hashesPerSecondPerCore: number;
}

export async function measureBcrypt(rounds: number, durationSeconds: number, maxHashes = 10_000): Promise<BcryptRate> {
  const cores = os.availableParallelism();
  await bcrypt.hash("warm-up", rounds);
  let hashes = 0;
  let started = 0;
  const begin = performance.now();
  const deadline = begin + durationSeconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline && started < maxHashes) {
      started += 1;
      await bcrypt.hash("correct horse battery staple", rounds);
      hashes += 1;
    }
  };
  await Promise.all(Array.from({ length: cores }, worker));
  const seconds = (performance.now() - begin) / 1000;
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    rounds,
    cores,
    hashes,
    seconds: round(seconds),
    hashesPerSecond: round(hashes / seconds),
    hashesPerSecondPerCore: round(hashes / seconds / cores),
  };
}
