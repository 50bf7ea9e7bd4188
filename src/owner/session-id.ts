/**
 * @module The sequence of `HTTaP-Session` ids: 8 lowercase base-36 characters, never repeated within a run
 * (issue 3). Seeded from the start time so two runs of the device do not hand out the same first id.
 */
/**
 * The id on replies given outside any session (busy refusals, `/?invalid`, preflights from non-owners): never
 * handed out, so a client cannot mistake it for its own session.
 */
export const NO_SESSION_ID = "00000000";

/** 36^8: the number of distinct 8-character base-36 ids. */
const ID_SPACE = 36 ** 8;
/**
 * Added to the previous id each time. It is odd and not a multiple of 3, so it is coprime with 36^8 and the walk
 * visits every id once before repeating (after 2.8e12 sessions); being large, consecutive ids look unrelated,
 * so a client comparing ids cannot confuse an old session with a new one.
 */
const ID_STEP = 1_000_000_007;

export class SessionIdSequence {
  #next: number; // the number the next id is made of, in [0, ID_SPACE)

  constructor(seedMs: number) {
    this.#next = Math.abs(Math.floor(seedMs)) % ID_SPACE;
  }

  take(): string {
    let id: string;
    do {
      id = this.#next.toString(36).padStart(8, "0");
      this.#next = (this.#next + ID_STEP) % ID_SPACE;
    } while (id === NO_SESSION_ID);
    return id;
  }
}
