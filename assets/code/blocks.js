/**
 * @module code/blocks.js: the Code page's blocks (issue 20) for this board, their JavaScript, and the toolbox made
 * from the board's profile (only the motors, LEDs and buttons it has). Two generations of the same workspace: a
 * clean one shown beside the blocks, and a runnable one in which every statement first reports its block
 * (`await __block(id)`: the highlight, the error's block, and a yield in every loop, so a forever loop without a
 * wait cannot freeze the page) and every call of the program API is awaited.
 */
import { PARAMS } from "./runner.js";

/** Melodies the "play melody" block offers: [Hz, ms] notes, 0 Hz a rest. */
export const MELODIES = {
  twinkle: [
    [262, 300],
    [262, 300],
    [392, 300],
    [392, 300],
    [440, 300],
    [440, 300],
    [392, 600],
  ],
  fanfare: [
    [392, 150],
    [523, 150],
    [659, 150],
    [784, 450],
    [0, 100],
    [659, 150],
    [784, 600],
  ],
  siren: [
    [960, 400],
    [770, 400],
    [960, 400],
    [770, 400],
  ],
};

const MOTION = 210;
const SOUND = 290;
const LIGHTS = 50;
const BUTTONS = 160;
const CONTROL = 120;

/** The block definitions, as Blockly's JSON; `%1`… are fields and inputs. */
function definitions(board) {
  const ledOptions = board.leds.length > 0 ? board.leds.map((n) => [n, n]) : [["(no LEDs)", ""]];
  const buttonOptions = board.buttons.length > 0 ? board.buttons.map((n) => [n, n]) : [["(no buttons)", ""]];
  const num = (name) => ({ type: "input_value", name, check: "Number" });
  return [
    {
      type: "car_drive",
      message0: "drive left %1 %% right %2 %%",
      args0: [num("LEFT"), num("RIGHT")],
      inputsInline: true,
      previousStatement: null,
      nextStatement: null,
      colour: MOTION,
      tooltip: "Set both wheels' speeds, -100 (full back) to 100 (full ahead); they keep turning until changed or stopped.",
    },
    {
      type: "car_move",
      message0: "%1 for %2 seconds",
      args0: [
        {
          type: "field_dropdown",
          name: "HOW",
          options: [
            ["forward", "forward"],
            ["backward", "backward"],
            ["turn left", "turnLeft"],
            ["turn right", "turnRight"],
          ],
        },
        num("SECONDS"),
      ],
      inputsInline: true,
      previousStatement: null,
      nextStatement: null,
      colour: MOTION,
      tooltip: "Move for a time, then stop the motors.",
    },
    { type: "car_stop", message0: "stop the motors", previousStatement: null, nextStatement: null, colour: MOTION },
    {
      type: "sound_tone",
      message0: "play tone %1 Hz for %2 ms",
      args0: [num("HZ"), num("MS")],
      inputsInline: true,
      previousStatement: null,
      nextStatement: null,
      colour: SOUND,
      tooltip: "Play a note and wait until it ends (440 Hz is the A above middle C).",
    },
    {
      type: "sound_rest",
      message0: "rest %1 ms",
      args0: [num("MS")],
      previousStatement: null,
      nextStatement: null,
      colour: SOUND,
    },
    {
      type: "sound_melody",
      message0: "play melody %1",
      args0: [
        {
          type: "field_dropdown",
          name: "MELODY",
          options: Object.keys(MELODIES).map((k) => [k, k]),
        },
      ],
      previousStatement: null,
      nextStatement: null,
      colour: SOUND,
    },
    {
      type: "leds_set",
      message0: "set LED %1 %2",
      args0: [
        { type: "input_value", name: "NAME", check: "String" },
        {
          type: "field_dropdown",
          name: "ON",
          options: [
            ["on", "true"],
            ["off", "false"],
          ],
        },
      ],
      inputsInline: true,
      previousStatement: null,
      nextStatement: null,
      colour: LIGHTS,
    },
    {
      type: "leds_name",
      message0: "%1",
      args0: [{ type: "field_dropdown", name: "NAME", options: ledOptions }],
      output: "String",
      colour: LIGHTS,
    },
    {
      type: "buttons_when",
      message0: "when button %1 pressed %2 %3",
      args0: [
        { type: "field_dropdown", name: "NAME", options: buttonOptions },
        { type: "input_dummy" },
        { type: "input_statement", name: "DO" },
      ],
      colour: BUTTONS,
      tooltip: "Runs its blocks each time the button is pressed, while the program runs (press Stop to end it).",
    },
    {
      type: "buttons_pressed",
      message0: "button %1 is pressed",
      args0: [{ type: "field_dropdown", name: "NAME", options: buttonOptions }],
      output: "Boolean",
      colour: BUTTONS,
    },
    {
      type: "control_wait",
      message0: "wait %1 seconds",
      args0: [num("SECONDS")],
      previousStatement: null,
      nextStatement: null,
      colour: CONTROL,
    },
    {
      type: "control_forever",
      message0: "repeat forever %1 %2",
      args0: [{ type: "input_dummy" }, { type: "input_statement", name: "DO" }],
      previousStatement: null,
      colour: CONTROL,
      tooltip: "Repeats its blocks until Stop is pressed.",
    },
    {
      type: "say",
      message0: "say %1",
      args0: [{ type: "input_value", name: "TEXT" }],
      previousStatement: null,
      nextStatement: null,
      colour: CONTROL,
      tooltip: "Shows a message under the program.",
    },
  ];
}

/**
 * Defines the blocks and their JavaScript. `generator` is Blockly's javascriptGenerator; the runnable form is asked
 * for through `generate(workspace, true)`.
 */
export function defineBlocks(Blockly, generator, Order, board) {
  Blockly.common.defineBlocksWithJsonArray(definitions(board));
  // the API's names (and the runner's own): a variable or function named `car` becomes `car2`, not a hidden API
  generator.addReservedWords(PARAMS.join(","));
  const value = (block, name, fallback) => generator.valueToCode(block, name, Order.NONE) || fallback;
  const f = generator.forBlock;
  f.car_drive = (b) => `car.drive(${value(b, "LEFT", "0")}, ${value(b, "RIGHT", "0")});\n`;
  f.car_move = (b) => `car.${b.getFieldValue("HOW")}(${value(b, "SECONDS", "1")});\n`;
  f.car_stop = () => "car.stop();\n";
  f.sound_tone = (b) => `speaker.tone(${value(b, "HZ", "440")}, ${value(b, "MS", "300")});\n`;
  f.sound_rest = (b) => `speaker.rest(${value(b, "MS", "300")});\n`;
  f.sound_melody = (b) => `speaker.melody(${JSON.stringify(MELODIES[b.getFieldValue("MELODY")] ?? [])});\n`;
  f.leds_set = (b) => `leds.set(${value(b, "NAME", '""')}, ${b.getFieldValue("ON")});\n`;
  f.leds_name = (b) => [JSON.stringify(b.getFieldValue("NAME")), Order.ATOMIC];
  f.buttons_when = (b) =>
    `onButton(${JSON.stringify(b.getFieldValue("NAME"))}, async () => {\n${generator.statementToCode(b, "DO")}});\n`;
  f.buttons_pressed = (b) => [`buttons.pressed(${JSON.stringify(b.getFieldValue("NAME"))})`, Order.FUNCTION_CALL];
  f.control_wait = (b) => `wait(${value(b, "SECONDS", "1")} * 1000);\n`;
  f.control_forever = (b) => `while (true) {\n${generator.addLoopTrap(generator.statementToCode(b, "DO"), b)}}\n`;
  f.say = (b) => `say(${value(b, "TEXT", '""')});\n`;

  // Functions the participant defines are async and awaited, so the API calls in them are awaited too.
  for (const type of ["procedures_defreturn", "procedures_defnoreturn"]) {
    const original = f[type];
    f[type] = (b, g) => {
      const result = original.call(generator, b, g);
      if (awaiting) {
        for (const key of Object.keys(generator.definitions_)) {
          const code = generator.definitions_[key];
          if (typeof code === "string" && code.startsWith("function ")) generator.definitions_[key] = `async ${code}`;
        }
      }
      return result;
    };
  }
  const callReturn = f.procedures_callreturn;
  f.procedures_callreturn = (b, g) => {
    const [code] = callReturn.call(generator, b, g);
    return awaiting ? [`(await ${code})`, Order.ATOMIC] : [code, Order.FUNCTION_CALL];
  };
  const callNoReturn = f.procedures_callnoreturn;
  f.procedures_callnoreturn = (b, g) => {
    const code = callNoReturn.call(generator, b, g);
    return awaiting ? `await ${code}` : code;
  };
}

let awaiting = false; // set while the runnable form is generated

/** The API calls the runnable form awaits: `car.x(`, `speaker.x(`, `leds.x(`, `buttons.x(`, `wait(`, `say(`, `onButton(`. */
const API_CALL = /(^|[^\w.$])((?:car|speaker|leds|buttons)\.\w+\(|wait\(|say\(|onButton\()/gm;

/**
 * The workspace's JavaScript: for reading (`runnable` false), or to run: every statement reports its block first, and
 * every API call is awaited.
 */
export function generate(generator, workspace, runnable) {
  awaiting = runnable;
  generator.STATEMENT_PREFIX = runnable ? "await __block(%1);\n" : null;
  generator.INFINITE_LOOP_TRAP = runnable ? "await __block(%1);\n" : null;
  try {
    const code = generator.workspaceToCode(workspace);
    return runnable ? code.replace(API_CALL, "$1await $2") : code;
  } finally {
    awaiting = false;
    generator.STATEMENT_PREFIX = null;
    generator.INFINITE_LOOP_TRAP = null;
  }
}

/** The toolbox: a category for each part the board has, then Blockly's standard logic, loops, math and variables. */
export function toolbox(board) {
  const num = (n) => ({ shadow: { type: "math_number", fields: { NUM: n } } });
  const block = (type, inputs = {}, fields = undefined) => ({ kind: "block", type, inputs, fields });
  const categories = [];
  if (board.hasMotors) {
    categories.push({
      kind: "category",
      name: "Motion",
      colour: String(MOTION),
      contents: [
        block("car_move", { SECONDS: num(1) }, { HOW: "forward" }),
        block("car_move", { SECONDS: num(0.5) }, { HOW: "turnRight" }),
        block("car_drive", { LEFT: num(50), RIGHT: num(50) }),
        block("car_stop"),
      ],
    });
  }
  categories.push({
    kind: "category",
    name: "Sound",
    colour: String(SOUND),
    contents: [block("sound_tone", { HZ: num(440), MS: num(300) }), block("sound_rest", { MS: num(200) }), block("sound_melody")],
  });
  if (board.leds.length > 0) {
    categories.push({
      kind: "category",
      name: "Lights",
      colour: String(LIGHTS),
      contents: [block("leds_set", { NAME: { shadow: { type: "leds_name" } } })],
    });
  }
  if (board.buttons.length > 0) {
    const contents = [block("buttons_when"), block("buttons_pressed")];
    categories.push({ kind: "category", name: "Buttons", colour: String(BUTTONS), contents });
  }
  categories.push({
    kind: "category",
    name: "Control",
    colour: String(CONTROL),
    contents: [
      block("control_wait", { SECONDS: num(1) }),
      block("controls_repeat_ext", { TIMES: num(4) }),
      block("control_forever"),
      block("controls_if"),
      { kind: "block", type: "controls_if", extraState: { hasElse: true } }, // if … else
      block("say", { TEXT: { shadow: { type: "text", fields: { TEXT: "Hello!" } } } }),
    ],
  });
  categories.push(
    {
      kind: "category",
      name: "Logic",
      categorystyle: "logic_category",
      contents: ["logic_compare", "logic_operation", "logic_negate", "logic_boolean"].map((t) => block(t)),
    },
    {
      kind: "category",
      name: "Math",
      categorystyle: "math_category",
      contents: [
        block("math_number", {}, { NUM: 0 }),
        block("math_arithmetic", { A: num(1), B: num(1) }),
        block("math_random_int", { FROM: num(1), TO: num(10) }),
        block("text"),
      ],
    },
    { kind: "category", name: "Variables", categorystyle: "variable_category", custom: "VARIABLE" },
    { kind: "category", name: "Functions", categorystyle: "procedure_category", custom: "PROCEDURE" },
  );
  return { kind: "categoryToolbox", contents: categories };
}
