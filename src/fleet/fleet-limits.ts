/**
 * @module The room's timing (issue 21), each with its unit and reason.
 */

/** The TTL of this device's DNS-SD records: a car that died without a goodbye leaves its peers' lists this soon. */
export const FLEET_RECORD_TTL_S = 15;
/** This device announces itself again this often: three chances per TTL, so one lost packet on Wi-Fi loses nothing. */
export const FLEET_ANNOUNCE_EVERY_MS = 5_000;
/** A change of state (someone drives, paused) is announced at most this often. */
export const FLEET_CHANGE_MIN_MS = 1_000;
/** The most peers kept (a workshop has 5-15 cars; a hostile network cannot grow the list without bound). */
export const FLEET_PEERS_MAX = 64;
/** The longest a peer's record is believed (s): a larger TTL is cut to this, so a car gone silent leaves in time. */
export const FLEET_PEER_TTL_MAX_S = 120;
/** The DNS-SD service type of every httap appliance. */
export const FLEET_SERVICE = "_httap._tcp.local";
/**
 * The room is joined this long after the HTTP port listens, not before the first answer: opening the mDNS socket,
 * joining its group on every interface and the first query and announcement took ~10 ms of a device's start-up
 * (issue 22: exec to first response), and a peer learns of a new car within its announcement period anyway.
 */
export const FLEET_START_DELAY_MS = 250;
