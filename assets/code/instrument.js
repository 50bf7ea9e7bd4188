/**
 * @module code/instrument.js: the JavaScript mode's source, checked and made runnable (issue 20), with Lezer's
 * JavaScript parser (vendored with CodeMirror, passed in):
 * - `syntaxErrors`: where the parser found errors, by line, before anything runs;
 * - `instrument`: every call awaited (`(await f(x))`: API calls, and the participant's own functions, which become
 *   async), every statement preceded by `await __s(line)` and every loop body opened by it, so the runner knows the
 *   line that runs and the page keeps its turn even in `while (true) {}` or `while (true);`.
 * A function given to an array method (`list.map(x => …)`), a getter, a setter, a constructor or a generator stays
 * synchronous: it cannot call the API, and a loop in it cannot give the page its turn. Each of its loops' iterations
 * passes through `__t()` instead, which ends the run with an error when the synchronous code has run too long, so
 * `list.forEach(() => { while (true); })` freezes the page for a moment at most and Stop works again.
 */

/** Line (1-based) and column of an offset. */
export function lineAt(source, offset) {
  let line = 1;
  let start = 0;
  for (let i = source.indexOf("\n"); i !== -1 && i < offset; i = source.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/**
 * The parser's syntax errors: [{from, to, line, message}], at most a few, first first.
 * @param {string} source @param {any} parser Lezer's JavaScript parser
 */
export function syntaxErrors(source, parser) {
  const errors = [];
  parser.parse(source).iterate({
    enter(node) {
      if (!node.type.isError || errors.length >= 5) return;
      const from = node.from;
      const to = Math.max(node.to, Math.min(source.length, from + 1));
      const { line, column } = lineAt(source, from);
      const near = source.slice(from, from + 12).split("\n")[0];
      const message =
        from >= source.length
          ? `line ${line}: the program ends too early (a missing ")", "}" or "]"?)`
          : `line ${line}, column ${column}: unexpected ${near === "" ? "end of line" : JSON.stringify(near)}`;
      errors.push({ from: Math.min(from, Math.max(0, source.length - 1)), to, line, message });
    },
  });
  return errors;
}

const LOOPS = new Set(["ForStatement", "WhileStatement", "DoStatement"]);
const ARRAY_CALLBACKS = new Set(["map", "filter", "forEach", "some", "every", "find", "findIndex", "reduce", "sort", "flatMap"]);
const FUNCTIONS = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunction"]);

/** The runnable form of JavaScript-mode `source` (which has no syntax error). */
export function instrument(source, parser) {
  const tree = parser.parse(source);
  const lines = [0];
  for (let i = source.indexOf("\n"); i !== -1; i = source.indexOf("\n", i + 1)) lines.push(i + 1);
  const lineOf = (offset) => {
    let lo = 0;
    let hi = lines.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lines[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const isStatement = (node) => node.type.is("Statement") && node.name !== ";";
  const hasChild = (node, name) => {
    for (let c = node.firstChild; c !== null; c = c.nextSibling) if (c.name === name) return true;
    return false;
  };

  /** A function given to `list.map(…)` and the like stays synchronous: they use its result at once. */
  function isArrayCallback(node) {
    const call = node.parent?.name === "ArgList" ? node.parent.parent : null;
    const callee = call?.name === "CallExpression" ? call.firstChild : null;
    const property = callee?.name === "MemberExpression" ? callee.lastChild : null;
    return property !== null && property !== undefined && ARRAY_CALLBACKS.has(source.slice(property.from, property.to));
  }

  /** For a function or method: whether it will run async (so it may await); null for any other node. */
  function asyncness(node) {
    const isMethod = (node.name === "MethodDeclaration" || node.name === "Property") && hasChild(node, "ParamList");
    if (!FUNCTIONS.has(node.name) && !isMethod) return null;
    if (hasChild(node, "async")) return true;
    if (isArrayCallback(node)) return false;
    if (hasChild(node, "Star") || hasChild(node, "get") || hasChild(node, "set")) return false;
    const name = node.getChild("PropertyDefinition");
    return !(isMethod && (name === null || source.slice(name.from, name.to) === "constructor"));
  }

  /** A loop's body: the statement after `do`, or the loop's last child (`;` for an empty body); null if not a loop. */
  function loopBody(node) {
    if (!LOOPS.has(node.name)) return null;
    const body = node.name === "DoStatement" ? node.firstChild?.nextSibling : node.lastChild;
    return body !== null && body !== undefined && (isStatement(body) || body.name === ";") ? body : null;
  }

  /** The node's text with its children rewritten; `canAwait`: the code runs in an async function. */
  function rewrite(node, canAwait) {
    let out = "";
    let pos = node.from;
    const body = loopBody(node);
    const inBlock = node.name === "Script" || node.name === "Block";
    for (let child = node.firstChild; child !== null; child = child.nextSibling) {
      out += source.slice(pos, child.from);
      let text = rewrite(child, asyncness(child) ?? canAwait);
      // every loop's body, whatever it is (`;` too), is opened by a yield, or by the watchdog where it cannot yield
      if (body !== null && child.from === body.from && child.to === body.to) {
        const pass = canAwait ? `await __s(${lineOf(child.from)});` : "__t();";
        text = child.name === ";" ? `{ ${pass} }` : `{ ${pass} ${text} }`;
      } else if (canAwait && isStatement(child) && inBlock) text = `await __s(${lineOf(child.from)}); ${text}`;
      out += text;
      pos = child.to;
    }
    out += source.slice(pos, node.to);
    return wrap(node, out, canAwait);
  }

  /** Calls awaited where the code may await; functions and methods made async (see asyncness). */
  function wrap(node, text, canAwait) {
    if (node.name === "CallExpression") return canAwait ? `(await ${text})` : text;
    if (asyncness(node) !== true || hasChild(node, "async")) return text;
    const name = node.getChild("PropertyDefinition");
    if (name !== null && node.name !== "ArrowFunction" && !FUNCTIONS.has(node.name)) {
      const at = name.from - node.from;
      return `${text.slice(0, at)}async ${text.slice(at)}`;
    }
    if (node.name === "ArrowFunction") return `async ${text}`;
    const keyword = text.indexOf("function");
    return keyword < 0 ? text : `${text.slice(0, keyword)}async ${text.slice(keyword)}`;
  }

  return rewrite(tree.topNode, true);
}
