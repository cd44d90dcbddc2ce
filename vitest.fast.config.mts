// `npm run test:fast`: the files of the fast tier (FAST_TIER in vitest.config.mts), with the same
// settings as the whole suite. `npm test` runs it first, before `next build`.
import { defineConfig } from "vitest/config";
import base, { FAST_TIER } from "./vitest.config.mts";

// (Not mergeConfig: it would add FAST_TIER to the whole suite's include list, not replace it.)
export default defineConfig({ ...base, test: { ...base.test, include: FAST_TIER, exclude: undefined } });
