/**
 * @module The sandbox (issue 9), the original server's last line of defence. Started as root with HTTAP_USER
 * (and/or HTTAP_GROUP): once the port, the GPIO device, the PWM files and the engine Worker are open, the process
 * `chroot`s into an empty directory and drops to the user: `setgroups` (none left), then `setgid`, then `setuid`
 * (group first: after setuid it could no longer change its group). The calls go through libc, whose set*id wrappers
 * apply to every thread of the process (the engine Worker, Bun's I/O and GC threads), which Bun's own
 * `process.setuid` does not promise. Then it checks the result and that root cannot be had back. Any failed step
 * stops the program with one sentence: never a server on half-dropped privileges. With a state directory
 * (HTTAP_STATE_DIR) the root is that directory instead: the state, and nothing else, stays reachable (README,
 * "State and slow storage").
 */
import { nodeFs, nodeOs, nodePath } from "./os/node-builtins.ts";
import { ConfigError, type Config } from "./config.ts";
import { describeErrno, ERRNO, SystemCallError } from "./os/libc.ts";
import { canRegainRoot, changeDirectory, changeRoot, currentIds, dropIds, groupByName, userByName } from "./os/process-identity.ts";

/** The ids to drop to, resolved before the chroot (afterwards there is no /etc/passwd to ask). */
export interface Identity {
  readonly uid: number;
  readonly gid: number;
  /** For the log line: "nobody (65534)". */
  readonly userText: string;
  readonly groupText: string;
}

/** True when the configuration asks for the sandbox. */
export function wantsSandbox(config: Pick<Config, "user" | "group">): boolean {
  return config.user !== null || config.group !== null;
}

const NUMERIC_ID = /^\d{1,10}$/;

/** The user and group by name (through NSS, as `id` does) or number; throws ConfigError for unknown ones. */
export function resolveIdentity(config: Pick<Config, "user" | "group">): Identity {
  // staying root inside a chroot is no sandbox (root can leave it): a user is required, and not root
  if (config.user === null)
    throw new ConfigError(`HTTAP_GROUP="${config.group}" needs HTTAP_USER too: the sandbox drops to a user, not to a group alone`);
  const user = config.user;
  let uid: number;
  let primaryGid: number | null = null;
  if (NUMERIC_ID.test(user)) {
    uid = Number(user);
  } else {
    const pw = userByName(user);
    if (pw === null) throw new ConfigError(`HTTAP_USER="${user}": no such user on this system (see /etc/passwd)`);
    uid = pw.uid;
    primaryGid = pw.gid;
  }
  const userText = NUMERIC_ID.test(user) ? `${uid}` : `${user} (${uid})`;
  let gid: number;
  let groupText: string;
  if (config.group !== null) {
    if (NUMERIC_ID.test(config.group)) {
      gid = Number(config.group);
    } else {
      const gr = groupByName(config.group);
      if (gr === null) throw new ConfigError(`HTTAP_GROUP="${config.group}": no such group on this system (see /etc/group)`);
      gid = gr;
    }
    groupText = NUMERIC_ID.test(config.group) ? `${gid}` : `${config.group} (${gid})`;
  } else if (primaryGid !== null) {
    gid = primaryGid;
    groupText = `${gid} (the user's own)`;
  } else {
    // a numeric user without a group: keeping root's group would keep root's files writable
    throw new ConfigError(`HTTAP_USER="${user}" is a number, so its group is unknown: set HTTAP_GROUP too`);
  }
  if (uid === 0) throw new ConfigError(`HTTAP_USER="${user}" is root: the sandbox needs an unprivileged user (for example nobody)`);
  if (uid > 0xfffffffe || gid > 0xfffffffe) throw new ConfigError(`user or group id out of range: uid ${uid}, gid ${gid}`);
  return { uid, gid, userText, groupText };
}

/** One failed step: the sentence names it, the reason (errno) and what to do. */
function refuse(step: string, code: number): never {
  const hint = code === ERRNO.EPERM ? "; the sandbox needs to start as root (or unset HTTAP_USER and HTTAP_GROUP)" : "";
  throw new ConfigError(`cannot sandbox: ${step} failed: ${describeErrno(code)}${hint}; not serving on half-dropped privileges`);
}

/** Runs one step of the sandbox; a failed system call is refused with its sentence. */
function step(run: () => void, name?: string, onFailure?: () => void): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof SystemCallError)) throw error;
    onFailure?.();
    refuse(name ?? error.message.replace(/: [^:]*$/, ""), error.errno);
  }
}

/**
 * chroot into `dir`, which must be an empty directory; null: a fresh one, removed before entering it, so the root
 * is a deleted directory where nothing can be created and nothing is left behind in /tmp. Returns what it did.
 */
export function enterEmptyRoot(dir: string | null): string {
  let described: string;
  if (dir === null) {
    const fresh = nodeFs().mkdtempSync(nodePath().join(nodeOs().tmpdir(), "httap-root-"));
    step(
      () => changeDirectory(fresh),
      `chdir ${fresh}`,
      () => nodeFs().rmdirSync(fresh),
    );
    nodeFs().rmdirSync(fresh); // our working directory now: removable, and from now on empty for good
    described = `a fresh empty directory (${fresh}, already removed)`;
  } else {
    let entries: string[];
    try {
      if (!nodeFs().statSync(dir).isDirectory()) throw new ConfigError(`HTTAP_CHROOT="${dir}" is not a directory`);
      entries = nodeFs().readdirSync(dir);
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError(`HTTAP_CHROOT="${dir}": ${(error as Error).message}`);
    }
    if (entries.length > 0)
      throw new ConfigError(`HTTAP_CHROOT="${dir}" is not empty (${entries.length} entries): the sandbox's root must hold nothing`);
    step(() => changeDirectory(dir), `chdir ${dir}`);
    described = dir;
  }
  chrootHere();
  return described;
}

/**
 * chroot into the state directory (checked by prepareStateDir: the target user's, holding only state files). Not a
 * directory file descriptor kept from outside: `openat(fd, "../..")` climbs past a chroot, so it would reach the host's
 * whole tree again; a root that *is* the directory leaves nothing else to reach, and plain paths work on every thread.
 */
export function enterStateRoot(dir: string): string {
  step(() => changeDirectory(dir), `chdir ${dir}`);
  chrootHere();
  return `the state directory ${dir} (nothing else)`;
}

/** chroot into the working directory, then stand at its root. */
function chrootHere(): void {
  step(() => changeRoot("."), "chroot");
  step(() => changeDirectory("/"), "chdir / after chroot");
}

/** setgroups (none), setgid, setuid; then checks every id and that setuid(0) is refused. */
export function dropTo(identity: Identity): void {
  step(() => dropIds(identity.uid, identity.gid));
  const now = currentIds();
  if (now.uid !== identity.uid || now.euid !== identity.uid || now.gid !== identity.gid || now.egid !== identity.gid || now.groups !== 0) {
    throw new ConfigError(
      `cannot sandbox: after dropping, the ids are uid ${now.uid}/${now.euid} gid ${now.gid}/${now.egid} with ${now.groups} groups, ` +
        `not uid ${identity.uid} gid ${identity.gid}; not serving`,
    );
  }
  if (canRegainRoot()) throw new ConfigError("cannot sandbox: root could be regained after dropping privileges; not serving");
}

/** After the ids were resolved and everything is open: chroot, then drop. Returns the log line. */
export function enterSandbox(identity: Identity, chroot: string | null, stateDir: string | null = null): string {
  const root = stateDir !== null ? enterStateRoot(stateDir) : enterEmptyRoot(chroot);
  dropTo(identity);
  return `sandbox: root is ${root}; user ${identity.userText}, group ${identity.groupText}, no supplementary groups`;
}
