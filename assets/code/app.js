/**
 * @module code/app.js: the Code page (issue 20). Blocks (Blockly) with their JavaScript shown live, or JavaScript
 * typed in CodeMirror (loaded when first needed); Run and Stop; the program runs on the virtual car, or on the real
 * one when the device is ours: by default on the virtual car while someone else drives, and, once the fair line
 * gives us our turn, the same program on the real car. Programs are saved on the device (`/?programs`, open to
 * anyone: saving takes nobody's turn), exported as a file (through `/?loopback` when the device is ours) and
 * imported; the work in progress is kept in this browser.
 */
import { Httap } from "/httap.js";
import { mountShell } from "/app-shell.js";
import { Blockly, javascriptGenerator, Order } from "/vendor/blockly.js";
import { defineBlocks, generate, toolbox } from "/code/blocks.js";
import { compile, Runner } from "/code/runner.js";
import { VirtualCar } from "/code/virtual-car.js";
import { DeviceTarget } from "/code/device-target.js";
import { instrument, syntaxErrors } from "/code/instrument.js";

const DRAFT_KEY = "httap.code.draft";
/** A new page's program: blocks a newcomer can run at once (a board without motors gets a tone and a light). */
function firstBlocks(board) {
  if (board.hasMotors) return FIRST_BLOCKS;
  const tone = FIRST_BLOCKS.blocks.blocks[0].next.block;
  if (board.leds.length === 0) return { blocks: { languageVersion: 0, blocks: [{ ...tone, x: 24, y: 24 }] } };
  const name = { shadow: { type: "leds_name", fields: { NAME: board.leds.at(-1) } } };
  const led = { type: "leds_set", x: 24, y: 24, fields: { ON: "true" }, inputs: { NAME: name }, next: { block: tone } };
  return { blocks: { languageVersion: 0, blocks: [led] } };
}
const FIRST_BLOCKS = {
  blocks: {
    languageVersion: 0,
    blocks: [
      {
        type: "car_move",
        x: 24,
        y: 24,
        fields: { HOW: "forward" },
        inputs: { SECONDS: { shadow: { type: "math_number", fields: { NUM: 1 } } } },
        next: {
          block: {
            type: "sound_tone",
            inputs: {
              HZ: { shadow: { type: "math_number", fields: { NUM: 440 } } },
              MS: { shadow: { type: "math_number", fields: { NUM: 300 } } },
            },
          },
        },
      },
    ],
  },
};
const FIRST_JS = `// The car's API: car.drive(left, right) in %, car.forward(s), car.turnLeft(s), car.stop(),
// wait(ms), speaker.tone(hz, ms), leds.set(name, on), buttons.pressed(name), onButton(name, fn), say(text)
car.forward(1);
speaker.tone(440, 300);
car.turnRight(0.5);
car.stop();
`;

const $ = (id) => document.getElementById(id);
const device = new Httap();
device.app = "code"; // the leader's card says what the driver uses
const shell = mountShell(device, { start: "Press Run to try your program", verb: "driving", slot: $("turn-slot") });
// Here everyone codes while they wait: the strip tells the place in line, the dialog stays closed and nothing is inert.
shell.dialog.showModal = () => shell.dialog.show();

const runner = new Runner();
let board = null; // {leds, buttons, hasMotors}
let workspace = null;
let virtual = null;
let real = null;
let mode = "blocks";
let editor = null; // the JavaScript editor once loaded
let editorModule = null;
let pendingReal = null; // code to run on the real car when the device becomes ours
let running = null; // "virtual" | "real" while a program runs
let lastError = null; // {block} of the last error, to clear its warning

// ---- messages -------------------------------------------------------------------------------------------------
function tell(text, kind = "") {
  $("output").textContent = text;
  $("output").dataset.kind = kind;
}
function said(text) {
  const li = document.createElement("li");
  li.textContent = text;
  $("said").append(li);
  while ($("said").children.length > 50) $("said").firstElementChild.remove();
  li.scrollIntoView({ block: "nearest" });
}

// ---- the board ------------------------------------------------------------------------------------------------
async function names(resource) {
  try {
    const r = await fetch(`/?${resource}`, { cache: "no-store" });
    return r.ok ? Object.keys(await r.json()) : [];
  } catch {
    return [];
  }
}
/** The board's parts, asked for at once (reads take nothing): the toolbox is made from them. */
const boardFacts = Promise.all([names("leds"), names("buttons")]);
const deviceFacts = fetch("/?device", { cache: "no-store" })
  .then((r) => (r.ok ? r.json() : null))
  .catch(() => null)
  .then((facts) => facts ?? new Promise((resolve) => device.addEventListener("ready", (e) => resolve(e.detail.device), { once: true })));

// ---- editors --------------------------------------------------------------------------------------------------
function blocklyTheme() {
  const dark = matchMedia("(prefers-color-scheme: dark)").matches;
  return Blockly.Theme.defineTheme(dark ? "httap-dark" : "httap-light", {
    base: Blockly.Themes.Classic,
    componentStyles: dark
      ? {
          workspaceBackgroundColour: "#24213d",
          toolboxBackgroundColour: "#1b1930",
          toolboxForegroundColour: "#efeefb",
          flyoutBackgroundColour: "#2c2950",
          flyoutForegroundColour: "#efeefb",
          flyoutOpacity: 0.96,
          scrollbarColour: "#6b6790",
          insertionMarkerColour: "#ffffff",
          insertionMarkerOpacity: 0.3,
          cursorColour: "#d0d0d0",
        }
      : {
          workspaceBackgroundColour: "#f7f6fd",
          toolboxBackgroundColour: "#ffffff",
          flyoutBackgroundColour: "#ebe9f7",
          flyoutOpacity: 0.96,
        },
  });
}

function showGenerated() {
  if (workspace === null) return;
  $("gen").textContent = generate(javascriptGenerator, workspace, false) || "// Drag blocks from the toolbox to start.";
}

async function loadEditor() {
  if (editor !== null) return editor;
  editorModule ??= await import("/code/js-editor.js");
  if (editor !== null) return editor;
  editor = editorModule.codeEditor($("js"), draft.js ?? FIRST_JS, () => saveDraft());
  return editor;
}

async function setMode(next) {
  if (runner.running) await stopRun("mode");
  mode = next;
  $("tab-blocks").setAttribute("aria-selected", String(next === "blocks"));
  $("tab-js").setAttribute("aria-selected", String(next === "js"));
  $("blockly").hidden = next !== "blocks";
  $("js").hidden = next !== "js";
  $("gen-card").hidden = next !== "blocks";
  if (next === "blocks") Blockly.svgResize(workspace);
  else {
    const seeded = editor === null && draft.js === undefined;
    await loadEditor();
    if (seeded && workspace.getTopBlocks(false).length > 0) editor.setText(generate(javascriptGenerator, workspace, false));
    editor.view.focus();
  }
  saveDraft();
}
$("tab-blocks").addEventListener("click", () => setMode("blocks"));
$("tab-js").addEventListener("click", () => setMode("js"));

// ---- the draft, kept in this browser ----------------------------------------------------------------------------
let draft = {};
try {
  draft = JSON.parse(localStorage.getItem(DRAFT_KEY) ?? "{}") ?? {};
} catch {
  draft = {};
}
function saveDraft() {
  if (workspace === null) return;
  draft = {
    mode,
    blocks: Blockly.serialization.workspaces.save(workspace),
    js: editor?.text() ?? draft.js,
    name: $("program-name").value,
  };
  try {
    localStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
  } catch {
    /* storage full or blocked: the draft lives as long as the page */
  }
}

// ---- running ----------------------------------------------------------------------------------------------------
/** The runnable code of what is on screen, or null (a syntax error is marked and said). */
async function runnableCode() {
  if (mode === "blocks") return generate(javascriptGenerator, workspace, true);
  const ed = await loadEditor();
  const text = ed.text();
  const errors = syntaxErrors(text, editorModule.javascriptParser);
  if (errors.length > 0) {
    ed.lintNow();
    tell(`Syntax error, ${errors[0].message}. Nothing ran.`, "error");
    return null;
  }
  const code = instrument(text, editorModule.javascriptParser);
  try {
    compile(code);
  } catch (error) {
    tell(`Syntax error: ${error.message}. Nothing ran.`, "error");
    return null;
  }
  return code;
}

/** What the program drives: a car, or a board of lights and buttons. */
const thing = () => (board?.hasMotors === false ? "board" : "car");
const someoneElseDrives = () => device.queue !== null && device.queue.owned && !device.queue.you;

async function run() {
  clearError();
  const code = await runnableCode();
  if (code === null) return;
  $("said").replaceChildren();
  const where = $("target").value;
  pendingReal = null;
  if (where === "virtual") return start(code, "virtual");
  if (device.paused !== null) {
    // the leader paused the device: nothing runs on it until the resume (and a new Run)
    if (where === "auto") return start(code, "virtual", `${pausedText()}, so your program runs on the virtual ${thing()}.`);
    return tell(`${pausedText()}: press Run again when the leader resumes.`, "error");
  }
  if (device.isOpen) return start(code, "real");
  pendingReal = code; // runs when the device is ours (the fair line's turn)
  device.claim();
  if (where === "auto" && someoneElseDrives()) startVirtualWhileWaiting(code);
  else tell("Asking for the car…");
}

function startVirtualWhileWaiting(code) {
  const who = device.queue?.owner ?? "Someone";
  const text = `${who} is driving the real ${thing()}, so your program runs on the virtual ${thing()}.`;
  start(code, "virtual", `${text} You’re in line: when your turn comes, it runs on the real ${thing()}.`);
}

async function start(code, where, note) {
  if (runner.running) await runner.stop("restart");
  const target = where === "real" ? real : virtual;
  if (where === "virtual") virtual.reset();
  running = where;
  $("stop").disabled = false;
  document.documentElement.dataset.running = where;
  tell(note ?? (where === "real" ? `Running on the real ${thing()}…` : `Running on the virtual ${thing()}…`));
  follow();
  const outcome = await runner.run(code, target, { say: said });
  running = null;
  delete document.documentElement.dataset.running;
  $("stop").disabled = pendingReal === null;
  highlight(null);
  if (outcome.ended === "done") tell(where === "real" ? `Done on the real ${thing()}.` : `Done on the virtual ${thing()}.`, "done");
  else if (outcome.ended === "stopped") {
    if (outcome.why === "restart" || outcome.why === "turn") return;
    if (outcome.why === "paused") tell(`Stopped: paused by the leader${leaderSays()}. Press Run again after the resume.`);
    else tell(outcome.why === "closed" ? "Stopped: your turn ended." : "Stopped.");
  } else showError(outcome);
}

/** The block or line that runs, painted each frame while a program runs. */
function follow() {
  let shown = null;
  const paint = () => {
    const at = runner.where();
    if (at === null) return;
    const key = mode === "blocks" ? at.block : at.line;
    if (key !== shown) {
      shown = key;
      highlight(key);
    }
    requestAnimationFrame(paint);
  };
  requestAnimationFrame(paint);
}

function highlight(key) {
  if (mode === "blocks") workspace.highlightBlock(typeof key === "string" ? key : null);
  else editor?.showLine(typeof key === "number" ? key : null);
}

function blockLabel(id) {
  const block = id === null ? null : workspace.getBlockById(id);
  return block === null ? null : block.toString(40);
}

function showError(outcome) {
  if (mode === "blocks") {
    const block = outcome.block === null ? null : workspace.getBlockById(outcome.block);
    if (block !== null) {
      workspace.highlightBlock(block.id);
      block.setWarningText(outcome.error);
      block.select();
      lastError = block.id;
    }
    const label = blockLabel(outcome.block);
    const where = label === null ? "Error" : `Error in the block “${label}”`;
    tell(`${where}: ${outcome.error}. The motors stopped.`, "error");
    document.documentElement.dataset.errorBlock = outcome.block ?? "";
  } else {
    editor?.showLine(outcome.line || null);
    tell(outcome.line ? `Error on line ${outcome.line}: ${outcome.error}. The motors stopped.` : `Error: ${outcome.error}.`, "error");
    document.documentElement.dataset.errorLine = String(outcome.line ?? "");
  }
}

function clearError() {
  if (lastError !== null) workspace.getBlockById(lastError)?.setWarningText(null);
  lastError = null;
  workspace?.highlightBlock(null);
  delete document.documentElement.dataset.errorBlock;
  delete document.documentElement.dataset.errorLine;
}

function stopRun(why) {
  pendingReal = null;
  $("stop").disabled = true;
  return runner.stop(why);
}

$("run").addEventListener("click", () => run());
$("stop").addEventListener("click", () => {
  const waiting = pendingReal !== null && !runner.running;
  stopRun("stop");
  if (waiting) tell("Stopped: it will not run when your turn comes.");
});
// Leaving or hiding the page stops the program (and with it the motors and the speaker) at once.
addEventListener("pagehide", () => stopRun("leaving"));
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") stopRun("hidden");
});

device.addEventListener("open", () => {
  if (pendingReal === null) return;
  const code = pendingReal;
  pendingReal = null;
  start(code, "real", running === "virtual" ? `It’s your turn: your program now runs on the real ${thing()}.` : undefined);
});
device.addEventListener("busy", () => {
  if (pendingReal !== null && !runner.running && $("target").value === "auto") startVirtualWhileWaiting(pendingReal);
});
/** The leader's pause, as a sentence: "The leader paused the car" and the leader's message, if any. */
function pausedText() {
  return `The leader paused the ${thing()}${leaderSays()}`;
}
/** The leader's message with the pause, as ` (“…”)`, or "". */
const leaderSays = () => (device.paused ? ` (“${device.paused}”)` : "");
/** The leader paused the device (issue 21): a program on the real car stops now, and does not start again by itself. */
function pausedByLeader() {
  const waiting = pendingReal !== null;
  pendingReal = null;
  if (running === "real") runner.stop("paused");
  else if (waiting) {
    if (!runner.running) $("stop").disabled = true;
    tell(`${pausedText()}: your program will not run on it. Press Run again after the resume.`);
  }
}
device.addEventListener("closed", () => {
  if (running === "real") runner.stop("closed");
});

// ---- programs on the device ----------------------------------------------------------------------------------------
function note(text, kind = "") {
  $("program-note").textContent = text;
  $("program-note").dataset.kind = kind;
}
/** Names as the device takes them: lower case, spaces as "-", nothing else. */
$("program-name").addEventListener("input", (e) => {
  const input = e.target;
  const clean = input.value
    .toLowerCase()
    .replace(/\s+/g, "-")
    .replace(/[^a-z0-9_-]/g, "")
    .slice(0, 40);
  if (clean !== input.value) input.value = clean;
  saveDraft();
});

let starters = [];
async function refreshList(select = null) {
  let list;
  try {
    const r = await fetch("/?programs", { cache: "no-store" });
    if (r.status === 404) {
      for (const id of ["save", "open", "delete"]) $(id).disabled = true;
      return note("This device keeps no programs (it runs without a state directory): export them to keep them.", "error");
    }
    list = await r.json();
  } catch {
    return note("The device did not answer: try again.", "error");
  }
  starters = list.starters ?? [];
  const options = [];
  const group = (label, items, tag) => {
    const g = document.createElement("optgroup");
    g.label = label;
    for (const item of items) {
      const o = document.createElement("option");
      o.value = item;
      o.textContent = tag ? `${item} (starter)` : item;
      g.append(o);
    }
    if (items.length > 0) options.push(g);
  };
  group("Saved on this device", (list.programs ?? []).map((p) => p.name), false);
  group("Starters (read-only)", starters, true);
  $("program-list").replaceChildren(...options);
  if (select !== null) $("program-list").value = select;
  $("delete").disabled = starters.includes($("program-list").value) || $("program-list").value === "";
  if (list.off) note(list.off, "error");
}
$("program-list").addEventListener("change", () => {
  $("delete").disabled = starters.includes($("program-list").value);
});

/** The program on screen, as the device keeps it. */
function currentProgram(name) {
  const blocks = mode === "blocks" ? Blockly.serialization.workspaces.save(workspace) : null;
  const code = mode === "blocks" ? generate(javascriptGenerator, workspace, false) : (editor?.text() ?? "");
  return { name, mode, code, blocks };
}

async function load(program) {
  if (program.mode === "blocks" && program.blocks) {
    await setMode("blocks");
    try {
      Blockly.serialization.workspaces.load(program.blocks, workspace);
    } catch (error) {
      note(`These blocks cannot be shown here: ${error.message}`, "error");
      return;
    }
  } else {
    await setMode("js");
    editor.setText(program.code ?? "");
  }
  if (!starters.includes(program.name)) $("program-name").value = program.name;
  saveDraft();
}

/**
 * The program this page last saved or opened, as the device listed it ({name, bytes}): saving it again asks
 * nothing, unless someone else's program of another size took the name meanwhile.
 */
let known = null;
/** The device's entry for `name` ({name, bytes}), or null; undefined when the device did not answer. */
async function savedEntry(name) {
  try {
    const r = await fetch("/?programs", { cache: "no-store" });
    if (!r.ok) return undefined;
    return ((await r.json()).programs ?? []).find((p) => p.name === name) ?? null;
  } catch {
    return undefined;
  }
}
/** Asks, in the page's own dialog, whether to replace the program `name` saved on the device. */
function askReplace(name) {
  const dialog = $("overwrite");
  $("overwrite-text").textContent =
    `A program called “${name}” is already saved on this device, perhaps by someone else. Replace it with yours, ` +
    "or cancel and choose another name?";
  dialog.returnValue = "";
  dialog.showModal();
  $("overwrite-cancel").focus();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "replace"), { once: true }));
}

$("save").addEventListener("click", async () => {
  const name = $("program-name").value;
  if (name === "") return note("Give the program a name first (a–z, 0–9, - and _).", "error");
  const entry = await savedEntry(name);
  if (entry && !(known?.name === name && known.bytes === entry.bytes) && !(await askReplace(name))) {
    $("program-name").focus();
    return note(`Not saved: “${name}” is already on the device. Choose another name to keep both.`);
  }
  const r = await fetch("/?programs", { method: "POST", body: JSON.stringify(currentProgram(name)), cache: "no-store" }).catch(() => null);
  if (r === null) return note("The device did not answer: not saved.", "error");
  const answer = await r.json().catch(() => ({ message: `the device answered ${r.status}` }));
  if (!r.ok) return note(`Not saved: ${answer.message}`, "error");
  note(`Saved “${name}” on the device.`);
  await refreshList(name);
  known = (await savedEntry(name)) ?? null;
});
$("open").addEventListener("click", async () => {
  const name = $("program-list").value;
  if (name === "") return;
  const r = await fetch(`/?programs?name=${encodeURIComponent(name)}`, { cache: "no-store" }).catch(() => null);
  const program = r === null ? null : await r.json().catch(() => null);
  if (r === null || !r.ok || program === null) return note(`Could not open “${name}”: ${program?.message ?? "no answer"}`, "error");
  await load(program);
  known = starters.includes(name) ? null : ((await savedEntry(name)) ?? null);
  const starter = `Opened the starter “${name}”: save it under a name of your own to keep changes.`;
  note(starters.includes(name) ? starter : `Opened “${name}”.`);
});
$("delete").addEventListener("click", async () => {
  const name = $("program-list").value;
  if (name === "" || !confirm(`Delete “${name}” from the device?`)) return;
  const r = await fetch("/?programs", { method: "POST", body: JSON.stringify({ delete: name }), cache: "no-store" }).catch(() => null);
  const answer = r === null ? null : await r.json().catch(() => null);
  if (r === null || !r.ok) return note(`Not deleted: ${answer?.message ?? "no answer"}`, "error");
  note(`Deleted “${name}”.`);
  refreshList();
});

// Export: a file. Through /?loopback (the device sends it back as a download) when the device is ours; a POST
// there from anyone else would ask for the device, so otherwise the browser makes the file itself.
$("export").addEventListener("click", async () => {
  const name = $("program-name").value || "program";
  const text = JSON.stringify(currentProgram(name), null, 2);
  let blob = new Blob([text], { type: "application/json" });
  if (device.isOpen) {
    try {
      const target = `/?loopback?name=${encodeURIComponent(`${name}.httap.json`)}`;
      const r = await fetch(target, { method: "POST", body: text, cache: "no-store" });
      if (r.ok) blob = await r.blob();
    } catch {
      /* the browser's own copy */
    }
  }
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = `${name}.httap.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  note(`Exported “${a.download}”.`);
});
$("import").addEventListener("change", async (e) => {
  const file = e.target.files?.[0];
  if (!file) return;
  const text = await file.text();
  let program;
  try {
    const value = JSON.parse(text);
    const mode = value.mode === "blocks" ? "blocks" : "js";
    program = { name: String(value.name ?? ""), mode, code: String(value.code ?? ""), blocks: value.blocks };
  } catch {
    program = { name: file.name.replace(/\.[^.]*$/, "").toLowerCase(), mode: "js", code: text, blocks: null };
  }
  await load(program);
  note(`Imported “${file.name}”: save it to keep it on the device.`);
  e.target.value = "";
});

// ---- start ------------------------------------------------------------------------------------------------------------
async function startPage() {
  const [[leds, buttons], facts] = await Promise.all([boardFacts, deviceFacts]);
  board = { leds, buttons, hasMotors: (facts?.apps ?? []).includes("car") };
  defineBlocks(Blockly, javascriptGenerator, Order, board);
  const phone = matchMedia("(max-width: 40rem)").matches;
  workspace = Blockly.inject($("blockly"), {
    toolbox: toolbox(board),
    theme: blocklyTheme(),
    renderer: "zelos",
    media: "/vendor/blockly-media/", // the device's copy (Blockly's default is a Google server)
    sounds: false,
    trashcan: true,
    move: { scrollbars: true, drag: true, wheel: true },
    zoom: { controls: true, wheel: false, startScale: phone ? 0.6 : 0.75, minScale: 0.3, maxScale: 2 },
    grid: { spacing: 24, length: 2, colour: "#8883", snap: true },
  });
  try {
    Blockly.serialization.workspaces.load(draft.blocks ?? firstBlocks(board), workspace);
  } catch {
    Blockly.serialization.workspaces.load(FIRST_BLOCKS, workspace);
  }
  workspace.addChangeListener((e) => {
    if (e.isUiEvent) return;
    showGenerated();
    saveDraft();
  });
  showGenerated();
  virtual = new VirtualCar($("vcar"), board);
  if (!board.hasMotors) {
    $("vcar-title").textContent = "Virtual board";
    for (const option of $("target").options) option.textContent = option.textContent.replace("car", "board");
  }
  real = new DeviceTarget(device, board);
  real.onPause = pausedByLeader;
  $("program-name").value = draft.name ?? "";
  if (draft.mode === "js") await setMode("js");
  $("run").disabled = false;
  tell(board.hasMotors ? "Snap blocks together, then press Run." : "This board has no motors: programs play its speaker and lights.");
  performance.mark("code-interactive");
  document.documentElement.dataset.ready = "";
  refreshList();
  // CodeMirror, for the JavaScript mode, once the page is idle: switching is then instant.
  setTimeout(() => {
    editorModule === null && import("/code/js-editor.js").then((m) => (editorModule ??= m)).catch(() => {});
  }, 1500);
}
addEventListener("resize", () => workspace !== null && Blockly.svgResize(workspace));

/** For tests and the curious: the page's parts. */
window.codePage = {
  Blockly,
  get workspace() {
    return workspace;
  },
  runner,
  get virtual() {
    return virtual;
  },
  setMode,
  loadEditor,
};

device.connect();
startPage();
