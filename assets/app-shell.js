/**
 * @module app-shell.js: what every app page shows around its controls: a busy screen while someone else has the
 * device (who, our place in line, about how long; the page takes over by itself when its turn comes) and a
 * "connection lost — reconnecting" banner. The styles come with it, so a page needs only `mountShell(device)`.
 */

const CSS =
  "\n" +
  ".shell-banner { position: sticky; top: 0; z-index: 9; padding: .6rem 1rem; background: #b45309; color: #fff; " +
  "text-align: center; font-weight: 600; }\n" +
  ".shell-busy { position: fixed; inset: 0; z-index: 10; display: grid; place-items: center; padding: 2rem; " +
  "text-align: center; background: rgba(17,24,39,.88); color: #fff; }\n" +
  ".shell-busy p { font-size: 1.2rem; margin: .5rem 0; }\n" +
  ".shell-busy strong { display: block; font-size: 3rem; }\n" +
  ".shell-busy[hidden], .shell-banner[hidden] { display: none; }\n";

/**
 * Adds the busy screen and the lost banner to the page and keeps them in step with `device`.
 * @param {import("./httap.js").Httap} device
 * @returns {{ busy: HTMLElement, lost: HTMLElement }}
 */
export function mountShell(device) {
  const style = document.createElement("style");
  style.textContent = CSS;
  document.head.append(style);
  const lost = document.createElement("div");
  lost.className = "shell-banner";
  lost.setAttribute("role", "status");
  lost.textContent = "Connection lost — reconnecting…";
  lost.hidden = true;
  const busy = document.createElement("div");
  busy.className = "shell-busy";
  busy.setAttribute("role", "dialog");
  busy.setAttribute("aria-live", "polite");
  busy.hidden = true;
  busy.innerHTML = `<div><p>In use by <span data-owner></span></p><p>You are number <strong data-place>1</strong> in line</p>
    <p>About <span data-wait>0</span> s — this page takes over by itself when it is your turn.</p></div>`;
  document.body.prepend(lost, busy);
  const field = (name) => /** @type {HTMLElement} */ (busy.querySelector(`[data-${name}]`));
  let countdown = null;
  device.addEventListener("open", () => {
    busy.hidden = true;
    lost.hidden = true;
    clearInterval(countdown);
  });
  device.addEventListener("lost", () => {
    lost.hidden = false;
  });
  device.addEventListener("busy", (e) => {
    const d = /** @type {CustomEvent} */ (e).detail;
    field("owner").textContent = d.owner;
    field("place").textContent = String(d.place);
    let left = d.seconds;
    field("wait").textContent = String(left);
    clearInterval(countdown);
    countdown = setInterval(() => {
      left = Math.max(0, left - 1);
      field("wait").textContent = String(left);
    }, 1000);
    lost.hidden = true;
    busy.hidden = false;
  });
  return { busy, lost };
}
