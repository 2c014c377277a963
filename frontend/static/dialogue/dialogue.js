/* Live dialogue page: one WebSocket, numbered events applied in order, reconnect with back-off.
   The socket is /ws/dialogues/<id>/?after=<last number seen>: after a reconnect the server replays
   exactly what was missed. Every change is applied by id, so seeing an item twice is harmless. */
(function () {
  "use strict";
  var root = document.getElementById("dialogue");
  if (!root || !("WebSocket" in window)) return;

  var labels = JSON.parse(document.getElementById("dlg-labels").textContent);
  var after = parseInt(root.getAttribute("data-after"), 10) || 0;
  var wsPath = root.getAttribute("data-ws");
  var isModerator = !!root.getAttribute("data-moderator");
  var isStaff = isModerator || !!root.getAttribute("data-official");
  var conn = root.querySelector("[data-conn]");
  var errorBox = document.querySelector("[data-error]");
  var socket = null;
  var delay = 500;
  var refs = {};
  var nextRef = 1;

  function $(sel, el) { return (el || root).querySelector(sel); }
  function fromTemplate(id) {
    return document.getElementById(id).content.firstElementChild.cloneNode(true);
  }
  function setText(el, sel, text) { var t = el.querySelector(sel); if (t) t.textContent = text; }
  function flash(el) { el.classList.remove("dlg-flash"); void el.offsetWidth; el.classList.add("dlg-flash"); }
  function status(text) { if (conn) conn.textContent = text; }
  function showError(text) {
    if (!errorBox) return;
    errorBox.textContent = text;
    errorBox.classList.toggle("hidden", !text);
  }

  /* --- applying events ------------------------------------------------------------------ */

  function questionItem(q) {
    var list = $("[data-questions]");
    var li = list.querySelector('[data-qid="' + q.id + '"]');
    if (!li) {
      li = fromTemplate("tpl-question");
      li.setAttribute("data-qid", q.id);
      setText(li, "[data-id]", String(q.id));
      list.appendChild(li);
    }
    setText(li, ".dlg-asker", q.asker);
    setText(li, "[data-body]", q.body);
    setText(li, "[data-votes]", String(q.votes));
    setPinned(li, q.pinned);
    return li;
  }
  function setPinned(li, pinned) {
    li.classList.toggle("pinned", !!pinned);
    var badge = li.querySelector(".dlg-pin");
    if (badge) badge.classList.toggle("hidden", !pinned);
    var list = li.parentNode;
    if (pinned && list && list.firstElementChild !== li) list.insertBefore(li, list.firstElementChild);
  }
  function removeQueued(id) {
    var q = $("[data-queue]");
    var li = q && q.querySelector('[data-qid="' + id + '"]');
    if (li) li.parentNode.removeChild(li);
  }
  function ownStatus(id, text, body) {
    var list = $("[data-own]");
    if (!list) return;
    var li = list.querySelector('[data-qid="' + id + '"]');
    if (!li) {
      if (body === undefined) return;
      li = fromTemplate("tpl-own");
      li.setAttribute("data-qid", id);
      setText(li, "[data-body]", body);
      list.appendChild(li);
    }
    setText(li, "[data-status]", text);
  }

  var handlers = {
    "question.submitted": function (q) {
      if (isStaff) {
        var queue = $("[data-queue]");
        if (queue && !queue.querySelector('[data-qid="' + q.id + '"]')) {
          var li = fromTemplate("tpl-queued");
          li.setAttribute("data-qid", q.id);
          setText(li, "[data-id]", String(q.id));
          setText(li, "[data-asker]", q.asker);
          setText(li, "[data-body]", q.body);
          queue.appendChild(li);
          flash(li);
        }
      } else {
        ownStatus(q.id, labels.pending, q.body);
      }
    },
    "question.approved": function (q) {
      removeQueued(q.id);
      var own = $("[data-own]");
      var mine = own && own.querySelector('[data-qid="' + q.id + '"]');
      if (mine) mine.parentNode.removeChild(mine);
      flash(questionItem(q));
    },
    "question.rejected": function (d) {
      removeQueued(d.id);
      ownStatus(d.id, labels.rejected + ": " + d.reason);
    },
    "question.merged": function (d) {
      removeQueued(d.id);
      var li = $('[data-questions] [data-qid="' + d.id + '"]');
      if (li) li.parentNode.removeChild(li);
      var into = $('[data-questions] [data-qid="' + d.into + '"]');
      if (into) setText(into, "[data-votes]", String(d.votes));
      ownStatus(d.id, labels.merged + " #" + d.into);
    },
    "question.pinned": function (d) {
      var li = $('[data-questions] [data-qid="' + d.id + '"]');
      if (li) setPinned(li, d.pinned);
    },
    "question.voted": function (d) {
      var li = $('[data-questions] [data-qid="' + d.id + '"]');
      if (li) setText(li, "[data-votes]", String(d.votes));
    },
    "question.case": function (d) {
      ownStatus(d.id, labels.now_case + " " + d.tracking_no);
    },
    "answer.posted": function (a) {
      var q = $('[data-questions] [data-qid="' + a.question_id + '"]');
      if (!q) return;
      var list = q.querySelector("[data-answers]");
      if (list.querySelector('[data-aid="' + a.id + '"]')) return;
      var li = fromTemplate("tpl-answer");
      li.setAttribute("data-aid", a.id);
      setText(li, "[data-official]", a.official);
      setText(li, "[data-body]", a.body);
      list.appendChild(li);
      flash(li);
    },
    "notice.posted": function (n) {
      var list = $("[data-notices]");
      if (list.querySelector('[data-nid="' + n.id + '"]')) return;
      var li = fromTemplate("tpl-notice");
      li.setAttribute("data-nid", n.id);
      setText(li, "[data-body]", n.body);
      list.insertBefore(li, list.firstElementChild);
      flash(li);
    },
    "dialogue.state": function (d) {
      var badge = $("[data-state]");
      if (badge.className.indexOf("dlg-state-" + d.state) !== -1) return;
      badge.textContent = d.label;
      badge.className = "status dlg-state-" + d.state;
      // Forms and buttons depend on the state: the page must be rebuilt.
      showError(labels.state_changed);
    }
  };

  function onFrame(frame) {
    if (frame.type === "event") {
      if (frame.seq <= after) return;
      after = frame.seq;
      var handler = handlers[frame.kind];
      if (handler) handler(frame.data);
    } else if (frame.type === "watching") {
      setText(root, "[data-watching]", String(frame.count));
    } else if (frame.type === "hello") {
      setText(root, "[data-watching]", String(frame.watching));
      status(labels.connected);
      delay = 500;
    } else if (frame.type === "ack") {
      var form = refs[frame.ref];
      delete refs[frame.ref];
      if (form && form.reset) form.reset();
      showError("");
    } else if (frame.type === "error") {
      delete refs[frame.ref];
      showError(frame.message);
    }
  }

  /* --- the socket ------------------------------------------------------------------------- */

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    status(labels.connecting);
    socket = new WebSocket(scheme + window.location.host + wsPath + "?after=" + after);
    socket.onmessage = function (m) {
      var frame;
      try { frame = JSON.parse(m.data); } catch (e) { return; }
      onFrame(frame);
    };
    socket.onclose = function (closed) {
      socket = null;
      if (closed.code === 4403 || closed.code === 4404) { status(labels.closed); return; }
      status(labels.reconnecting);
      setTimeout(connect, delay + Math.random() * delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  function send(op, fields, form) {
    if (!socket || socket.readyState !== 1) { showError(labels.reconnecting); return; }
    var ref = String(nextRef++);
    var msg = { op: op, ref: ref };
    for (var k in fields) if (Object.prototype.hasOwnProperty.call(fields, k)) msg[k] = fields[k];
    if (form) refs[ref] = form;
    socket.send(JSON.stringify(msg));
  }

  function questionOf(el) {
    var li = el.closest("[data-qid]");
    return li ? parseInt(li.getAttribute("data-qid"), 10) : null;
  }

  root.addEventListener("submit", function (e) {
    var form = e.target;
    var op = form.getAttribute("data-op");
    if (!op) return;
    e.preventDefault();
    if (op === "ask") send("ask", { body: form.elements.question.value }, form);
    else if (op === "notice") send("notice", { body: form.elements.notice.value }, form);
    else if (op === "answer") send("answer", { question: questionOf(form), body: form.elements.answer.value }, form);
    else if (op === "reject") send("reject", { question: questionOf(form), reason: form.elements.reason.value }, form);
    else if (op === "merge") send("merge", { question: questionOf(form), into: parseInt(form.elements.into.value, 10) }, form);
  });
  root.addEventListener("click", function (e) {
    var button = e.target.closest("button[data-op]");
    if (!button) return;
    var op = button.getAttribute("data-op");
    var id = questionOf(button);
    if (op === "approve" || op === "vote") send(op, { question: id });
    else if (op === "pin") {
      var li = button.closest("[data-qid]");
      send("pin", { question: id, pinned: !li.classList.contains("pinned") });
    }
  });

  connect();
})();
