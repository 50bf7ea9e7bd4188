/**
 * @module Sandboxing after start: once the port is open, drop to HTTAP_GROUP then HTTAP_USER (group first: after
 * setuid the process may no longer change its group).
 */
import { ConfigError, type Config } from "./config.ts";

export function dropPrivileges(config: Pick<Config, "user" | "group">): void {
  if (config.group === null && config.user === null) return;
  if (typeof process.setgid !== "function" || typeof process.setuid !== "function") {
    throw new ConfigError("HTTAP_USER/HTTAP_GROUP are set but this platform cannot change user or group");
  }
  try {
    if (config.group !== null) process.setgid(config.group);
    if (config.user !== null) process.setuid(config.user);
  } catch (error) {
    throw new ConfigError(`cannot drop privileges to user ${config.user ?? "-"} group ${config.group ?? "-"}: ${(error as Error).message}`);
  }
}
