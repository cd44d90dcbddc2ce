// The three rc_login limiters, shared by every route bundle of this process.
import type { HomeserverConfig } from "../config/schema";
import { RateLimiter } from "./rate-limiter";

export interface LoginLimiters {
  address: RateLimiter;
  account: RateLimiter;
  failedAttempts: RateLimiter;
}

const holder = globalThis as unknown as { __loginLimiters?: { config: HomeserverConfig; limiters: LoginLimiters } };

export function loginLimiters(config: HomeserverConfig): LoginLimiters {
  if (holder.__loginLimiters?.config !== config) {
    holder.__loginLimiters = {
      config,
      limiters: {
        address: new RateLimiter(config.rc_login.address),
        account: new RateLimiter(config.rc_login.account),
        failedAttempts: new RateLimiter(config.rc_login.failed_attempts),
      },
    };
  }
  return holder.__loginLimiters.limiters;
}
