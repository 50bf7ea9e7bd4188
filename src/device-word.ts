/**
 * @module `GET /?device` (issue 18): what a page needs to know about this device before anyone drives, open to
 * anyone like `/?queue`: its name, its board and the apps that board can play, the addresses people can type (for
 * the dashboard's QR code), and the firmware version.
 */
import { dynamicReply } from "./http/reply.ts";
import { NO_SESSION_LINES } from "./httap/core-words.ts";
import type { PublicWord } from "./httap/vocabulary.ts";
import type { AppName } from "./devices/board-apps.ts";

export interface DeviceFacts {
  readonly id: string;
  /** The board profile's name, or "none" without GPIO. */
  readonly board: string;
  readonly apps: readonly AppName[];
  readonly version: string;
  /** The device's addresses, asked at each request: a Wi-Fi that joins later brings its address. */
  readonly urls: () => string[];
}

export function deviceWord(facts: DeviceFacts): PublicWord {
  return {
    name: "device",
    access: "public",
    methods: ["GET"],
    service: "Device",
    handle: ({ cors }) =>
      dynamicReply(
        200,
        NO_SESSION_LINES + cors,
        JSON.stringify({ id: facts.id, board: facts.board, apps: facts.apps, urls: facts.urls(), version: facts.version }),
      ),
  };
}
