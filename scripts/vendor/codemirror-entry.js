// The CodeMirror 6 the Code page needs (issue 20): the editor's core with the few extensions a phone-sized editor
// uses (no search panel, no autocompletion: less to load on a workshop's Wi-Fi), JavaScript, lint marks, and Lezer's
// JavaScript parser, which also finds the syntax errors and the loops the runner instruments.
export { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection } from "@codemirror/view";
export { Decoration } from "@codemirror/view";
export { EditorState, StateEffect, StateField } from "@codemirror/state";
export { history, defaultKeymap, historyKeymap, indentWithTab } from "@codemirror/commands";
export { bracketMatching, indentOnInput, syntaxHighlighting, defaultHighlightStyle, HighlightStyle } from "@codemirror/language";
export { tags } from "@lezer/highlight";
export { javascript } from "@codemirror/lang-javascript";
export { linter, lintGutter, forceLinting } from "@codemirror/lint";
export { parser as javascriptParser } from "@lezer/javascript";
