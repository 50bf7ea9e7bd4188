/**
 * @module The process's identity and root, as calls that hide libc (issue 9's sandbox; issue 17: raw libc stays in
 * src/os): users and groups through NSS as `id` does, chdir and chroot, and dropping to a user. glibc's set*id
 * wrappers apply to every thread of the process (the engine Worker, Bun's I/O and GC threads). Each failed call
 * throws SystemCallError with errno, read before anything else runs.
 */
import type { Pointer } from "bun:ffi";
import { cString, errno, ffi, lib, SystemCallError } from "./libc.ts";

// struct passwd and struct group as glibc lays them out on LP64 Linux (x86-64 and arm64 alike; <pwd.h>, <grp.h>):
// passwd { char *pw_name; char *pw_passwd; uid_t pw_uid; gid_t pw_gid; ... }, group { char *gr_name; char
// *gr_passwd; gid_t gr_gid; char **gr_mem; }
const PW_UID = 16;
const PW_GID = 20;
const GR_GID = 16;

/** A user's uid and primary gid by name, or null when there is none. */
export function userByName(name: string): { uid: number; gid: number } | null {
  const pw = lib().getpwnam(cString(name));
  return pw === null ? null : { uid: ffi().read.u32(pw as Pointer, PW_UID), gid: ffi().read.u32(pw as Pointer, PW_GID) };
}

/** A group's gid by name, or null when there is none. */
export function groupByName(name: string): number | null {
  const gr = lib().getgrnam(cString(name));
  return gr === null ? null : ffi().read.u32(gr as Pointer, GR_GID);
}

export function changeDirectory(path: string): void {
  if (lib().chdir(cString(path)) !== 0) throw new SystemCallError(`chdir ${path}`, errno());
}

export function changeRoot(path: string): void {
  if (lib().chroot(cString(path)) !== 0) throw new SystemCallError("chroot", errno());
}

/** setgroups (none), setgid, setuid, in that order (after setuid the group could no longer change). */
export function dropIds(uid: number, gid: number): void {
  const c = lib();
  if (c.setgroups(0n, null) !== 0) throw new SystemCallError("setgroups (clearing the supplementary groups)", errno());
  if (c.setgid(gid) !== 0) throw new SystemCallError(`setgid ${gid}`, errno());
  if (c.setuid(uid) !== 0) throw new SystemCallError(`setuid ${uid}`, errno());
}

/** The ids in force, and how many supplementary groups. */
export function currentIds(): { uid: number; euid: number; gid: number; egid: number; groups: number } {
  const c = lib();
  return { uid: c.getuid(), euid: c.geteuid(), gid: c.getgid(), egid: c.getegid(), groups: c.getgroups(0, null) };
}

/** Whether setuid(0) succeeds: after dropping, it must not. */
export function canRegainRoot(): boolean {
  return lib().setuid(0) === 0;
}
