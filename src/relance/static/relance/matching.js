// The matching page's keyboard: j/k or the arrows move between lines; a accepts, i
// ignores, u undoes, Enter opens the change form, Escape closes it. Each key clicks the
// focused line's own button or link, so the page does the same with or without keys.
(function () {
  "use strict";
  const KEYS = { a: "accept", i: "ignore", u: "undo", Enter: "change", Escape: "cancel" };
  let refocus = null;

  function lines() { return Array.from(document.querySelectorAll("tr.line")); }
  function current() {
    const el = document.activeElement;
    return el && el.closest ? el.closest("tbody.entry") : null;
  }
  function move(step) {
    const all = lines();
    if (!all.length) return;
    const entry = current();
    const at = entry ? all.indexOf(entry.querySelector("tr.line")) : -1;
    const next = at < 0 ? 0 : Math.max(0, Math.min(all.length - 1, at + step));
    all[next].focus();
    all[next].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const typing = event.target.matches("input, select, textarea");
    if (typing && event.key !== "Escape") return;
    if (event.key === "Enter" && !event.target.matches("tr.line")) return;
    let handled = true;
    if (event.key === "j" || event.key === "ArrowDown") move(1);
    else if (event.key === "k" || event.key === "ArrowUp") move(-1);
    else if (KEYS[event.key]) {
      const entry = current();
      const target = entry && entry.querySelector('[data-key="' + KEYS[event.key] + '"]');
      if (target) { refocus = entry.id; target.click(); } else handled = false;
    } else handled = false;
    if (handled) event.preventDefault();
  });

  // A line's rows are replaced after each action: put the focus back where it was, in the
  // change form when one opened.
  document.addEventListener("htmx:beforeRequest", function (event) {
    const entry = event.target.closest && event.target.closest("tbody.entry");
    if (entry) refocus = entry.id;
  });
  document.addEventListener("htmx:afterSettle", function () {
    const entry = refocus && document.getElementById(refocus);
    refocus = null;
    if (!entry) return;
    const field = entry.querySelector("tr.change input[type=checkbox]") ||
      entry.querySelector("tr.change [data-focus]") || entry.querySelector("tr.line");
    field.focus();
  });
})();
