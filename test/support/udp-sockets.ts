/**
 * @module Test support (issue 21): the UDP sockets a process holds, from /proc: its descriptors' socket inodes
 * matched against its network namespace's /proc/<pid>/net/udp and udp6 (those tables list every socket of the
 * namespace, so the inode says whose it is).
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** The local UDP ports of the sockets `pid` holds (its fds matched against its namespace's /proc/net/udp*). */
export function udpPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      /* closed meanwhile */
    }
  }
  const ports: number[] = [];
  for (const table of ["udp", "udp6"]) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, "utf8").split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && inodes.has(f[9])) ports.push(Number.parseInt(f[1].split(":")[1], 16));
    }
  }
  return ports;
}
