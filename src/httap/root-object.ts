/**
 * @module The root object `GET /?` (DESIGN, protocol facts): prebuilt once in its two forms, `HTTaP_open` 0 for the
 * first root request of a session and 1 afterwards (a second tab can tell the device is already open).
 */
import { HTTAP_VERSION, HTTAP_TYPE } from "./protocol.ts";

export interface RootObjectOptions {
  /** Device identity shown to clients (config or host name). */
  readonly id: string;
  readonly type: string;
  readonly files: boolean;
  /** Whether any resource answers byte ranges in HYX. */
  readonly hyx: boolean;
  /** Names of the application resources, sorted. */
  readonly signals: readonly string[];
  /** What the vocabulary's words offer, in the table's order ("Loopback", "Stats", "SCPI"). */
  readonly services: readonly string[];
}

/**
 * `Services` names what this server offers beyond the always-present vocabulary (ping, list, changes, invalid):
 * "Files" (web pages served here), "Loopback" (`POST /?loopback`), "HYX" (byte ranges as HYX text), "Stats"
 * (`GET /?stats`, the server's counters, open to anyone).
 * `Signals` names the application resources, i.e. the device's signals a page can read or drive (`/?list` details them).
 */
export class RootObject {
  readonly #opening: string; // HTTaP_open 0
  readonly #opened: string; // HTTaP_open 1

  constructor(o: RootObjectOptions) {
    const services = [o.files ? "Files" : "", o.hyx ? "HYX" : "", ...o.services].filter((s) => s).join(" ");
    const tail =
      `,"ID":${JSON.stringify(o.id)},"Type":${JSON.stringify(o.type || HTTAP_TYPE)},` +
      `"Services":${JSON.stringify(services)},"Signals":${JSON.stringify(o.signals)}}`;
    this.#opening = `{"HTTaP_version":"${HTTAP_VERSION}","HTTaP_open":0${tail}`;
    this.#opened = `{"HTTaP_version":"${HTTAP_VERSION}","HTTaP_open":1${tail}`;
  }

  body(isOpen: boolean): string {
    return isOpen ? this.#opened : this.#opening;
  }
}
