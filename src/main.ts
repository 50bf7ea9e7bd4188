/**
 * @module The command line: read the configuration, start the appliance, print where to point a browser, stop
 * cleanly on SIGINT/SIGTERM. Exit status: 0 clean stop, 1 cannot listen, 2 bad configuration, 130/143 a stop cut short
 * by a second SIGINT/SIGTERM (the outputs low all the same).
 */
import { Appliance } from "./appliance.ts";
import { ConfigError, helpText, readConfig, type Config } from "./config.ts";
import { driveSafeStateFromOutside } from "./devices/safe-state.ts";
import { untilStopSignal } from "./os/stop-signals.ts";
import { supervise } from "./supervise.ts";
import { ListenError } from "./http/http-server.ts";
import { enterSandbox, resolveIdentity, wantsSandbox } from "./privileges.ts";
import { openStateStore, prepareStateDir } from "./state/state-dir.ts";
import type { StateStore } from "./state/state-store.ts";
import { VERSION } from "./version.ts";
import { deviceUrls } from "./device-urls.ts";
import { PACK_STATIC_FLAG, packStaticToStdout } from "./static/child-packer.ts";

/**
 * A moment after the server listens, start-up's garbage (temporaries of module set-up and of opening the cache image)
 * is collected once. The idle HTTP server runs no JavaScript, so JSC would otherwise keep it until traffic came
 * (~0.7 MiB measured; issue 22).
 * After listening, not before: a collection before the first answer would delay it.
 */
const COLLECT_START_GARBAGE_AFTER_MS = 1_000;

/** The URLs a person can type: every non-loopback address of this device, or the one address listened on. */
function browserUrls(config: Config, port: number): string[] {
  const urls = deviceUrls(config.host, port);
  return urls.length > 0 ? urls : [`http://localhost:${port}/`];
}

async function main(argv: string[]): Promise<number> {
  // the server's own child (HTTAP_STATICPATH) first: its directory may be named like any flag below
  if (argv[0] === PACK_STATIC_FLAG) return packStaticToStdout(argv[1]);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(helpText(VERSION));
    return 0;
  }
  if (argv.includes("--version")) {
    console.log(`httap ${VERSION}`);
    return 0;
  }
  if (argv.includes("--safe-state")) return safeState(argv.filter((a) => a !== "--safe-state"));
  if (argv.includes("--supervise")) {
    const args = argv.filter((a) => a !== "--supervise");
    try {
      return await supervise({ config: readConfig(process.env, args), args }); // a bad setting stops here, not in a loop
    } catch (error) {
      if (error instanceof ConfigError) {
        console.error(`httap: ${error.message}`);
        return 2;
      }
      throw error;
    }
  }
  // The stop signals are taken from here on, not only once serving: one that comes while the appliance starts (a
  // supervisor stopping it at once) then stops it cleanly as soon as it has started, exit 0, where the default action
  // would have killed it half-way, with no stop of the board and status 143.
  let appliance: Appliance | null = null; // null until made: a second signal before then has nothing to stop
  const stopRequested = untilStopSignal(
    () => appliance?.stopNow(),
    (line) => console.error(`httap: ${line}`),
  );
  let state: StateStore | null = null; // for the features that keep state; null: they say they are off
  try {
    const config = readConfig(process.env, argv);
    const identity = wantsSandbox(config) ? resolveIdentity(config) : null; // an unknown user stops us before listening
    const stateDir = config.stateDir === null ? null : prepareStateDir(config.stateDir, identity); // so does unusable state
    appliance = new Appliance(config);
    // A crash must not leave the motors running: the safe state first, without yielding, then a non-zero exit.
    const crash = (kind: string) => (error: unknown) => {
      console.error(`httap: ${kind}: ${(error as Error)?.stack ?? error}`);
      appliance?.stopNow();
      process.exit(70); // EX_SOFTWARE
    };
    process.on("uncaughtException", crash("uncaught exception"));
    process.on("unhandledRejection", crash("unhandled rejection"));
    process.on("exit", () => appliance?.stopNow());
    const { port, files, scpiPort } = await appliance.start();
    if (identity !== null) {
      await appliance.prepareForSandbox((line) => console.log(`httap: ${line}`));
      console.log(`httap: ${enterSandbox(identity, config.chroot, config.stateDir)}`);
    }
    if (stateDir !== null) {
      const opened = openStateStore(stateDir, identity !== null);
      state = opened.store;
      appliance.state = state; // saved programs (issue 20)
      console.log(`httap: ${opened.line}`);
    }
    console.log(`httap ${VERSION} listening on port ${port} (${files} files)`);
    for (const url of browserUrls(config, port)) console.log(`  open ${url}`);
    if (scpiPort !== 0) console.log(`  scpi on port ${scpiPort} (raw TCP, and POST /?scpi)`);
    setTimeout(() => Bun.gc(true), COLLECT_START_GARBAGE_AFTER_MS).unref();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`httap: ${error.message}`);
      return 2;
    }
    if (error instanceof ListenError) {
      console.error(`httap: ${error.message}`);
      return 1;
    }
    throw error;
  }
  await stopRequested;
  await appliance.stop();
  await state?.flush(); // a save under way lands before exit
  return 0;
}

/** `httap --safe-state`: the profile's outputs low with the configured backend, then exit 0 (issue 7). */
function safeState(argv: string[]): number {
  try {
    const c = readConfig(process.env, argv);
    const pins = driveSafeStateFromOutside({
      gpio: c.gpio,
      simFile: c.simFile,
      board: c.board,
      pwmSysfs: c.pwmSysfs,
      env: process.env,
      warn: (line) => console.error(`httap: --safe-state: ${line}`),
    });
    console.log(`httap: safe state: GPIO ${pins.join(", ")} low (board ${c.board.name})`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`httap: ${error.message}`);
      return 2;
    }
    console.error(`httap: --safe-state: ${(error as Error).message}`);
    return 1;
  }
}

// No top-level await: the binary is compiled with --bytecode, which needs it absent (scripts/build.ts).
void main(process.argv.slice(2)).then((code) => process.exit(code));
