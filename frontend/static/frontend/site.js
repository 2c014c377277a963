/* Wenzheng pages: live updates over /ws/live/, and a few small conveniences. No framework. */
(function () {
  "use strict";

  var body = document.body;

  /* --- Live updates ----------------------------------------------------------------------- */
  // Events: {kind: "case", case_id, tracking_no, status, ...} or {kind: "notification", text, ...}.
  // A list page (data-live-list) reloads on any case event; a case page (data-live-case) on its own
  // case's events. When the person is typing, a banner offers the reload instead.
  var liveUrl = body.getAttribute("data-live-url");
  var liveCase = body.getAttribute("data-live-case");
  var liveList = body.hasAttribute("data-live-list");
  var banner = document.querySelector("[data-live-banner]");
  var delay = 1000;
  var reloadTimer = null;

  function formIsDirty() {
    var fields = document.querySelectorAll("main input, main textarea, main select");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "hidden" || f.type === "submit") continue;
      if (f.type === "checkbox" || f.type === "radio") {
        if (f.checked !== f.defaultChecked) return true;
      } else if (f.tagName === "SELECT") {
        for (var j = 0; j < f.options.length; j++) {
          if (f.options[j].selected !== f.options[j].defaultSelected) return true;
        }
      } else if (f.value !== f.defaultValue) {
        return true;
      }
    }
    return false;
  }

  function refresh() {
    if (formIsDirty()) {
      if (banner) banner.classList.remove("hidden");
      return;
    }
    if (reloadTimer) clearTimeout(reloadTimer);
    reloadTimer = setTimeout(function () { window.location.reload(); }, 400);
  }

  function bumpUnread() {
    var badge = document.querySelector("[data-unread]");
    if (!badge) return;
    badge.textContent = String((parseInt(badge.textContent, 10) || 0) + 1);
    badge.classList.remove("hidden");
  }

  function handle(event) {
    if (event.kind === "notification") {
      bumpUnread();
      if (window.location.pathname.indexOf("/notifications/") === 0) refresh();
      return;
    }
    if (event.kind !== "case") return;
    if (liveCase) {
      if (String(event.case_id) === liveCase) refresh();
    } else if (liveList) {
      refresh();
    }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try {
      socket = new WebSocket(scheme + window.location.host + liveUrl);
    } catch (e) {
      retry();
      return;
    }
    socket.onopen = function () { delay = 1000; };
    socket.onmessage = function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      handle(data);
    };
    socket.onclose = function (closed) {
      if (closed.code === 4401) return; // signed out: nothing to listen to
      retry();
    };
  }

  function retry() {
    // Exponential back-off with jitter, at most 30 s between attempts.
    setTimeout(connect, delay + Math.random() * 500);
    delay = Math.min(delay * 2, 30000);
  }

  if (liveUrl && "WebSocket" in window) connect();

  var reloadButton = document.querySelector("[data-live-reload]");
  if (reloadButton) reloadButton.addEventListener("click", function () { window.location.reload(); });

  /* --- Street list follows the district --------------------------------------------------- */
  var district = document.getElementById("id_district");
  var street = document.getElementById("id_street");
  function filterStreets() {
    if (!district || !street) return;
    var chosen = district.options[district.selectedIndex];
    var name = chosen && chosen.value ? chosen.text : null;
    var groups = street.querySelectorAll("optgroup");
    for (var i = 0; i < groups.length; i++) {
      var show = !name || groups[i].label === name;
      groups[i].hidden = !show;
      groups[i].disabled = !show;
    }
    var current = street.options[street.selectedIndex];
    if (current && current.parentNode.disabled) street.value = "";
  }
  if (district && street) {
    district.addEventListener("change", filterStreets);
    filterStreets();
  }

  /* --- Small helpers ---------------------------------------------------------------------- */
  var selectAll = document.querySelectorAll("[data-select-all]");
  for (var k = 0; k < selectAll.length; k++) {
    selectAll[k].addEventListener("focus", function () { this.select(); });
  }
  var printButton = document.querySelector("[data-print]");
  if (printButton) printButton.addEventListener("click", function () { window.print(); });
})();
