// The public module API: what a module author imports (types, and the two error classes). It has
// no other dependencies, so a module importing it loads nothing of the service.
export { MappingError, RedirectError, isMappingError, isRedirectError } from "./errors";
export type * from "./types";
