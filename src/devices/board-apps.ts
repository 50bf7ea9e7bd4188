/**
 * @module Which of the device's apps a board can play (issue 18): the dashboard lists only those, and a page opened
 * on a board that cannot run it says so. Derived from the profile, so a custom board gets the apps its pins allow.
 */
import type { BoardProfile } from "./board-profile.ts";

/** The app pages, by the name of their page (`car.html`...). */
export type AppName = "car" | "piano" | "simon" | "code";

/** Simon's four colours: an LED and a button each. */
export const SIMON_COLOURS = ["red", "green", "blue", "yellow"] as const;

export function appsFor(profile: BoardProfile): AppName[] {
  const apps: AppName[] = [];
  if (profile.motors !== null) apps.push("car");
  apps.push("piano"); // every profile has its speaker
  if (SIMON_COLOURS.every((c) => Object.hasOwn(profile.leds, c) && Object.hasOwn(profile.buttons, c))) apps.push("simon");
  apps.push("code"); // issue 20: programs for whatever the board has (its toolbox is made from the profile)
  return apps;
}
