/**
 * @module The starter programs shipped with the firmware (issue 20): read-only, listed beside the saved ones, in
 * JavaScript against the Code page's API (awaits are added by the runner). A participant opens one, changes it and
 * saves it under a name of their own.
 */
import type { Program } from "./program-store.ts";

const starter = (name: string, code: string): Program => ({ name, mode: "js", code: code.trimStart(), blocks: null });

export const STARTERS: readonly Program[] = Object.freeze([
  starter(
    "square-dance",
    `
// Square dance: four sides and four corners, a beep at each corner.
for (let side = 0; side < 4; side++) {
  car.forward(1);
  speaker.tone(660, 150);
  car.turnRight(0.5);
}
car.stop();
`,
  ),
  starter(
    "siren",
    `
// Siren: two notes, up and down, five times; the first LED blinks along.
const light = leds.names[0];
for (let i = 0; i < 5; i++) {
  if (light) leds.set(light, true);
  speaker.tone(960, 400);
  if (light) leds.set(light, false);
  speaker.tone(770, 400);
}
`,
  ),
  starter(
    "reaction-game",
    `
// Reaction game: when the light comes on, press the button as fast as you can.
const button = buttons.names[0];
const light = leds.names[0];
if (!button) throw new Error("this game needs a button, and this board has none");
say("Get ready…");
wait(1000 + Math.random() * 3000);
leds.set(light, true);
const start = Date.now();
while (!buttons.pressed(button)) {
  wait(5);
}
leds.set(light, false);
const ms = Date.now() - start;
speaker.tone(ms < 400 ? 1320 : 440, 300);
say(\`\${ms} ms\${ms < 400 ? ": lightning fast!" : ""}\`);
`,
  ),
  starter(
    "simon-first-round",
    `
// Simon's first round: watch which colour lights up, then press its button.
const colours = ["red", "green", "blue", "yellow"];
const notes = { red: 330, green: 392, blue: 494, yellow: 587 };
for (const c of colours) {
  if (!leds.names.includes(c) || !buttons.names.includes(c)) throw new Error(\`Simon needs a \${c} LED and button\`);
}
const pick = colours[Math.floor(Math.random() * 4)];
wait(500);
leds.set(pick, true);
speaker.tone(notes[pick], 500);
leds.set(pick, false);
let pressed = null;
while (pressed === null) {
  for (const c of colours) {
    if (buttons.pressed(c)) pressed = c;
  }
  wait(10);
}
leds.set(pressed, true);
speaker.tone(pressed === pick ? notes[pressed] : 110, 400);
leds.set(pressed, false);
say(pressed === pick ? "Right! That was round one." : \`Oops: it was \${pick}.\`);
`,
  ),
]);
