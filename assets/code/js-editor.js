/**
 * @module code/js-editor.js: the Code page's JavaScript editors (issue 20), CodeMirror 6 (vendored, loaded when
 * first needed): the JavaScript mode's editor, whose syntax errors are marked on their line as one types (Lezer's
 * parser, the same the runner instruments with), with the running line highlighted; and a read-only view of the
 * code the blocks make.
 */
import {
  defaultHighlightStyle,
  defaultKeymap,
  Decoration,
  drawSelection,
  EditorState,
  EditorView,
  forceLinting,
  HighlightStyle,
  highlightActiveLineGutter,
  history,
  historyKeymap,
  indentOnInput,
  bracketMatching,
  indentWithTab,
  javascript,
  javascriptParser,
  keymap,
  lineNumbers,
  linter,
  lintGutter,
  StateEffect,
  StateField,
  syntaxHighlighting,
  tags,
} from "../vendor/codemirror.js";
import { syntaxErrors } from "./instrument.js";

export { javascriptParser };

const setRunningLine = StateEffect.define();
const runningLine = StateField.define({
  create: () => Decoration.none,
  update(deco, tr) {
    for (const e of tr.effects) {
      if (!e.is(setRunningLine)) continue;
      if (e.value === null || e.value < 1 || e.value > tr.state.doc.lines) return Decoration.none;
      const line = tr.state.doc.line(e.value);
      return Decoration.set([Decoration.line({ class: "cm-running" }).range(line.from)]);
    }
    return deco.map(tr.changes);
  },
  provide: (f) => EditorView.decorations.from(f),
});

/** Colours for a dark page: CodeMirror's default ones are made for a light background. */
const darkHighlight = HighlightStyle.define([
  { tag: tags.keyword, color: "#c4b5fd" },
  { tag: [tags.number, tags.bool, tags.null], color: "#86efac" },
  { tag: tags.string, color: "#fcd34d" },
  { tag: tags.comment, color: "#a8a3c7", fontStyle: "italic" },
  { tag: [tags.function(tags.variableName), tags.propertyName], color: "#93c5fd" },
  { tag: tags.variableName, color: "#efeefb" },
  { tag: tags.operator, color: "#f0abfc" },
]);
const dark = () => matchMedia("(prefers-color-scheme: dark)").matches;
const highlighting = () => syntaxHighlighting(dark() ? darkHighlight : defaultHighlightStyle, { fallback: true });

const theme = EditorView.theme({
  "&": { color: "var(--ink)", backgroundColor: "var(--raised)", fontSize: "15px", height: "100%" },
  ".cm-content": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", caretColor: "var(--ink)" },
  ".cm-gutters": { backgroundColor: "var(--card)", color: "var(--muted)", borderRight: "1px solid var(--line)" },
  ".cm-activeLineGutter": { backgroundColor: "color-mix(in srgb, var(--accent) 14%, transparent)" },
  ".cm-running": { backgroundColor: "color-mix(in srgb, var(--accent) 22%, transparent)" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": { overflow: "auto" },
});

/**
 * The JavaScript mode's editor.
 * @param {HTMLElement} parent @param {string} doc @param {(text: string) => void} onChange
 */
export function codeEditor(parent, doc, onChange) {
  const lint = linter((view) =>
    syntaxErrors(view.state.doc.toString(), javascriptParser).map((e) => ({
      from: e.from,
      to: e.to,
      severity: "error",
      message: e.message,
    })),
    { delay: 250 },
  );
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        highlighting(),
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        javascript(),
        lint,
        lintGutter(),
        runningLine,
        theme,
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ "aria-label": "JavaScript program" }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    /** Marks the syntax errors now (before a run), without waiting for the lint delay. */
    lintNow: () => forceLinting(view),
    showLine(line) {
      view.dispatch({ effects: setRunningLine.of(line) });
    },
  };
}

/** A read-only view of the code the blocks make. @param {HTMLElement} parent */
export function codeViewer(parent) {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: "",
      extensions: [
        highlighting(),
        javascript(),
        theme,
        EditorView.lineWrapping,
        EditorState.readOnly.of(true),
        EditorView.editable.of(false),
        EditorView.contentAttributes.of({ "aria-label": "The JavaScript the blocks make" }),
      ],
    }),
  });
  return {
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
  };
}
