/* The write page: while the citizen types, show up to 5 similar published cases (GET /api/similar/).
   Asks after a pause in typing or when a field loses focus; never more than one request at a time
   for the same text. Strings come from the template; this file holds none. */
(function () {
  "use strict";

  var box = document.getElementById("similar-cases");
  var subject = document.getElementById("id_subject");
  var body = document.getElementById("id_body");
  if (!box || !subject || !body || !window.fetch) return;

  var url = box.getAttribute("data-url");
  var list = box.querySelector("ul");
  var timer = null;
  var lastQuery = "";
  var MIN_CHARS = 4;
  var PAUSE_MS = 800;

  function render(rows) {
    list.textContent = "";
    rows.forEach(function (row) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = row.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = row.subject;
      item.appendChild(link);
      var number = document.createElement("span");
      number.className = "muted small mono";
      number.textContent = " " + row.tracking_no;
      item.appendChild(number);
      if (row.reply_excerpt) {
        var excerpt = document.createElement("p");
        excerpt.className = "small";
        excerpt.textContent = row.reply_excerpt;
        item.appendChild(excerpt);
      }
      list.appendChild(item);
    });
    box.classList.toggle("hidden", rows.length === 0);
  }

  function ask() {
    var s = subject.value.trim();
    var b = body.value.trim();
    var query = s + "\u001f" + b;
    if (query === lastQuery) return;
    lastQuery = query;
    if (s.length + b.length < MIN_CHARS) {
      render([]);
      return;
    }
    var params = new URLSearchParams({ subject: s.slice(0, 100), body: b.slice(0, 500) });
    fetch(url + "?" + params.toString(), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (rows) {
        if (query === lastQuery) render(Array.isArray(rows) ? rows : []);
      })
      .catch(function () { /* suggestions are a convenience: stay quiet */ });
  }

  function later() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(ask, PAUSE_MS);
  }

  [subject, body].forEach(function (field) {
    field.addEventListener("input", later);
    field.addEventListener("blur", function () {
      if (timer) clearTimeout(timer);
      ask();
    });
  });
  if (subject.value || body.value) ask();
})();
