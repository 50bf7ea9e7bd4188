/**
 * @module The one error a board command may throw on its own: it needed the real-time engine (a tone, the motors)
 * and the engine could not start or died. Every front end maps it, never to success (issue 16): HTTaP answers
 * 503 engine-unavailable, SCPI queues -240 "Hardware error", both with the reason.
 */
export class EngineUnavailable extends Error {
  override readonly name = "EngineUnavailable";
}
