/* pdcode workbench: the little script behind the pages.
 *
 * No framework, no network beyond this server. Data reaches the page in
 * data-* attributes and <script type="application/json"> blocks; text from
 * the project is only ever inserted with textContent. The one HTML inserted
 * is the review fragment the server rendered (and escaped) itself.
 *
 * Offsets are code points into the stored text, as everywhere in pdcode:
 * each piece of a turn is a <span class="t" data-s="START" data-e="END">
 * holding exactly text[START:END].
 */
(function () {
  "use strict";

  var meta = document.querySelector('meta[name="csrf-token"]');
  var CSRF = meta ? meta.getAttribute("content") : "";

  // ---- small helpers -------------------------------------------------------

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    }
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function readJSON(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF },
      body: JSON.stringify(body)
    }).then(answer);
  }

  function get(url) {
    return fetch(url, { credentials: "same-origin" }).then(answer);
  }

  function answer(response) {
    return response.json().then(
      function (data) { return { status: response.status, ok: response.ok, data: data }; },
      function () {
        return { status: response.status, ok: false,
                 data: { error: "the server answered " + response.status } };
      });
  }

  function failed() {
    return { status: 0, ok: false, data: { error: "the server cannot be reached" } };
  }

  function toast(message, isError) {
    var box = document.getElementById("toast");
    if (!box) return;
    box.textContent = message;
    box.className = "toast" + (isError ? " error" : "");
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { box.hidden = true; }, isError ? 8000 : 3000);
  }

  function codePoints(s) { return Array.from(s).length; }

  // Reload, coming back to the same place.
  var SCROLL_KEY = "pdcode-scroll:" + location.pathname + location.search;
  function reloadKeepingPlace() {
    try { sessionStorage.setItem(SCROLL_KEY, String(window.scrollY)); } catch (e) { /* private mode */ }
    location.reload();
  }
  function restorePlace() {
    var y = null;
    try { y = sessionStorage.getItem(SCROLL_KEY); sessionStorage.removeItem(SCROLL_KEY); } catch (e) { /* */ }
    if (y !== null && !location.hash) window.scrollTo(0, Number(y));
  }

  // ---- the code picker (type-ahead) ----------------------------------------

  var CODES = readJSON("codes-data") || [];

  function Picker(root) {
    this.root = root;
    this.input = root.querySelector("input");
    this.list = root.querySelector(".picker-list");
    this.error = root.querySelector(".picker-error");
    this.matches = [];
    this.active = 0;
    this.onPick = null;
    this.onCancel = null;
    var self = this;
    this.input.addEventListener("input", function () { self.filter(); });
    this.input.addEventListener("keydown", function (e) { self.key(e); });
    this.list.addEventListener("mousedown", function (e) {
      var li = e.target.closest("li[data-i]");
      if (!li) return;
      e.preventDefault();
      self.active = Number(li.getAttribute("data-i"));
      self.pick();
    });
    document.addEventListener("mousedown", function (e) {
      if (!self.root.hidden && !self.root.contains(e.target)) self.cancel();
    });
  }

  Picker.prototype.open = function (x, y, onPick, onCancel) {
    this.onPick = onPick;
    this.onCancel = onCancel || null;
    this.root.hidden = false;
    var width = Math.min(420, document.documentElement.clientWidth - 16);
    var left = Math.max(8, Math.min(x, window.scrollX + document.documentElement.clientWidth - width - 8));
    this.root.style.left = left + "px";
    this.root.style.top = y + "px";
    this.input.value = "";
    this.showError("");
    this.filter();
    this.input.focus({ preventScroll: true });
  };

  Picker.prototype.close = function () {
    pending(null);
    this.root.hidden = true;
    this.onPick = null;
    this.onCancel = null;
  };

  Picker.prototype.cancel = function () {
    var onCancel = this.onCancel;
    this.close();
    if (onCancel) onCancel();
  };

  Picker.prototype.showError = function (message) {
    this.error.textContent = message;
    this.error.hidden = !message;
  };

  Picker.prototype.filter = function () {
    var q = this.input.value.trim().toLowerCase();
    var first = [], rest = [];
    CODES.forEach(function (c) {
      if (c.retired) return;  // its codings stay, but no new coding can use it
      var id = String(c.code).toLowerCase(), name = String(c.name || "").toLowerCase();
      var def = String(c.definition || "").toLowerCase();
      if (!q || id.indexOf(q) === 0 || name.indexOf(q) === 0) first.push(c);
      else if (id.indexOf(q) >= 0 || name.indexOf(q) >= 0 || def.indexOf(q) >= 0) rest.push(c);
    });
    this.matches = first.concat(rest);
    this.active = 0;
    this.render();
  };

  Picker.prototype.render = function () {
    var list = this.list;
    list.textContent = "";
    if (!this.matches.length) {
      list.appendChild(el("li", { "class": "none" }, "No code matches"));
      return;
    }
    var self = this;
    this.matches.forEach(function (c, i) {
      var li = el("li", { "data-i": String(i), "role": "option" });
      if (i === self.active) { li.className = "active"; li.setAttribute("aria-selected", "true"); }
      var sw = el("span", { "class": "swatch" });
      sw.style.backgroundColor = /^#[0-9a-fA-F]{3,6}$/.test(c.colour || "") ? c.colour : "#fde68a";
      li.appendChild(sw);
      li.appendChild(el("strong", null, c.name));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("code", null, c.code));
      if (c.definition) li.appendChild(el("div", { "class": "def" }, c.definition));
      list.appendChild(li);
    });
    var current = list.querySelector("li.active");
    if (current && current.scrollIntoView) current.scrollIntoView({ block: "nearest" });
  };

  Picker.prototype.key = function (e) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!this.matches.length) return;
      var step = e.key === "ArrowDown" ? 1 : -1;
      this.active = (this.active + step + this.matches.length) % this.matches.length;
      this.render();
    } else if (e.key === "Enter") {
      e.preventDefault();
      this.pick();
    } else if (e.key === "Escape") {
      e.preventDefault();
      this.cancel();
    }
    e.stopPropagation();
  };

  Picker.prototype.pick = function () {
    var chosen = this.matches[this.active];
    if (!chosen || !this.onPick) return;
    this.onPick(chosen.code);
  };

  // The words being coded stay marked while the picker has the focus (focusing
  // its input clears the page's selection): a CSS custom highlight, which
  // changes no DOM, so the offsets of the pieces are untouched.
  function pending(range) {
    if (!window.CSS || !CSS.highlights || typeof Highlight === "undefined") return;
    if (range) CSS.highlights.set("pdcode-pending", new Highlight(range));
    else CSS.highlights.delete("pdcode-pending");
  }

  var pickerRoot = document.getElementById("picker");
  var picker = pickerRoot ? new Picker(pickerRoot) : null;

  // ---- the reader ----------------------------------------------------------

  var turns = document.getElementById("turns");
  if (turns) initReader(turns);

  function initReader(turns) {
    var data = readJSON("reader-data") || { codings: [], memos: [] };
    var byId = {};
    data.codings.forEach(function (k) { byId[k.id] = k; });
    restorePlace();

    // A DOM boundary point as a code-point offset into the source text. Points
    // outside any piece are moved to the nearest piece (its start for the
    // start of a selection, its end for the end).
    function offsetOf(node, offset, isEnd) {
      if (node.nodeType === Node.TEXT_NODE) {
        var span = node.parentElement && node.parentElement.closest("span.t");
        if (span && turns.contains(span)) {
          return Number(span.getAttribute("data-s")) + codePoints(node.data.slice(0, offset));
        }
      }
      var spans = turns.querySelectorAll("span.t");
      if (!spans.length) return null;
      var range = document.createRange(), i, where;
      if (!isEnd) {
        for (i = 0; i < spans.length; i++) {
          range.selectNodeContents(spans[i]);
          where = range.comparePoint(node, offset);
          if (where < 0) return Number(spans[i].getAttribute("data-s"));
          if (where === 0) {
            return Number(spans[i].getAttribute(node === spans[i] && offset > 0 ? "data-e" : "data-s"));
          }
        }
        return Number(spans[spans.length - 1].getAttribute("data-e"));
      }
      for (i = spans.length - 1; i >= 0; i--) {
        range.selectNodeContents(spans[i]);
        where = range.comparePoint(node, offset);
        if (where > 0) return Number(spans[i].getAttribute("data-e"));
        if (where === 0) {
          return Number(spans[i].getAttribute(node === spans[i] && offset === 0 ? "data-s" : "data-e"));
        }
      }
      return Number(spans[0].getAttribute("data-s"));
    }

    // The current selection in the turns, as {start, end}, or null.
    function selected() {
      var sel = window.getSelection();
      if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
      var r = sel.getRangeAt(0);
      if (!r.intersectsNode(turns)) return null;
      var start = offsetOf(r.startContainer, r.startOffset, false);
      var end = offsetOf(r.endContainer, r.endOffset, true);
      if (start === null || end === null || end <= start) return null;
      return {
        start: start, end: end, rect: r.getBoundingClientRect(), within: oneTurn(start, end),
        range: r.cloneRange()
      };
    }

    // Whether start..end lies inside one turn: the stored text between turns
    // holds the speaker labels, which the page shows apart from the turns.
    function oneTurn(start, end) {
      var all = turns.querySelectorAll(".turn");
      for (var i = 0; i < all.length; i++) {
        var s = Number(all[i].getAttribute("data-s")), e = Number(all[i].getAttribute("data-e"));
        if (s <= start && start < e) return end <= e;
      }
      return false;
    }

    window.pdcodeSelection = function () {
      var s = selected();
      return s ? { start: s.start, end: s.end, withinOneTurn: s.within } : null;
    };

    // A selection starts with the button pressed on the text (not on a coding
    // in the margin) and may end anywhere: past the end of a line, over the
    // margin or outside the turns; the points are moved onto the nearest piece.
    var selecting = false;
    turns.addEventListener("mousedown", function (e) {
      selecting = !(e.target.closest(".margin") || e.target.closest(".who"));
    });
    document.addEventListener("mouseup", function (e) {
      if (!selecting || (pickerRoot && pickerRoot.contains(e.target))) return;
      selecting = false;
      setTimeout(function () {
        var s = selected();
        if (!s || !picker) return;
        if (!s.within) {
          toast("Select words within one turn: a coding across turns would take in the " +
                "speaker labels between them.", true);
          return;
        }
        pickerRoot.setAttribute("data-sel-start", String(s.start));
        pickerRoot.setAttribute("data-sel-end", String(s.end));
        pending(s.range);
        picker.open(s.rect.left + window.scrollX, s.rect.bottom + window.scrollY + 6, function (code) {
          post("/api/code", { source: data.source, start: s.start, end: s.end, code: code })
            .catch(failed)
            .then(function (res) {
              if (res.ok) { picker.close(); reloadKeepingPlace(); }
              else picker.showError(res.data.error || "not stored");
            });
        });
      }, 0);
    });

    // Codings in the margin open the panel.
    turns.addEventListener("click", function (e) {
      var button = e.target.closest("button.coding");
      if (!button) return;
      var coding = byId[Number(button.getAttribute("data-id"))];
      if (coding) showCoding(coding, button);
    });

    function showCoding(k, button) {
      var panel = document.getElementById("panel");
      panel.textContent = "";
      var close = el("button", { "type": "button", "class": "close", "aria-label": "Close" }, "×");
      close.addEventListener("click", function () { panel.hidden = true; });
      panel.appendChild(close);
      var head = el("h2");
      var sw = el("span", { "class": "swatch" });
      sw.style.backgroundColor = /^#[0-9a-fA-F]{3,6}$/.test(k.colour || "") ? k.colour : "#fde68a";
      head.appendChild(sw);
      head.appendChild(document.createTextNode(k.name + " "));
      head.appendChild(el("code", null, k.code));
      panel.appendChild(head);
      panel.appendChild(el("blockquote", { "class": "quote" }, k.text));
      var dl = el("dl");
      [["Coder", k.coder], ["Provenance", k.provenance], ["Rule", k.rule],
       ["Offsets", k.start + "–" + k.end]].forEach(function (row) {
        if (row[1] === null || row[1] === undefined || row[1] === "") return;
        dl.appendChild(el("dt", null, row[0]));
        dl.appendChild(el("dd", null, row[1]));
      });
      panel.appendChild(dl);

      if (k.coder === data.coder) {
        var actions = el("div", { "class": "actions" });
        var remove = el("button", { "type": "button", "class": "reject" }, "Remove this coding");
        remove.addEventListener("click", function () {
          post("/api/uncode", { coding_id: k.id, expected_code: k.code }).catch(failed).then(done);
        });
        var change = el("button", { "type": "button" }, "Change its code…");
        change.addEventListener("click", function () {
          var r = change.getBoundingClientRect();
          picker.open(r.left + window.scrollX, r.bottom + window.scrollY + 4, function (code) {
            post("/api/recode", { coding_id: k.id, expected_code: k.code, new_code: code })
              .catch(failed)
              .then(function (res) {
                if (res.ok) { picker.close(); reloadKeepingPlace(); }
                else picker.showError(res.data.error || "not changed");
              });
          });
        });
        actions.appendChild(remove);
        actions.appendChild(change);
        panel.appendChild(actions);
      }

      var memos = data.memos.filter(function (m) { return m.coding_id === k.id; });
      panel.appendChild(el("h3", null, "Memos on this coding"));
      if (memos.length) {
        var ul = el("ul", { "class": "memo-list" });
        memos.forEach(function (m) {
          var li = el("li");
          li.appendChild(el("p", { "class": "memo-head" },
            (m.title ? m.title + " · " : "") + m.author + " · " + m.created_at));
          li.appendChild(el("div", { "class": "memo-text" }, m.text));
          ul.appendChild(li);
        });
        panel.appendChild(ul);
      }
      var form = el("form", { "class": "memo-form" });
      var area = el("textarea", { "rows": "3", "placeholder": "A memo on this coding" });
      form.appendChild(area);
      form.appendChild(el("button", { "type": "submit" }, "Save memo"));
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        post("/api/memo", { coding_id: k.id, text: area.value }).catch(failed).then(done);
      });
      panel.appendChild(form);
      panel.hidden = false;
      panel.style.top = (button.getBoundingClientRect().top + window.scrollY) + "px";
    }

    function done(res) {
      if (res.ok) reloadKeepingPlace();
      else toast(res.data.error || "that did not work", true);
    }

    var memoForm = document.getElementById("memo-form");
    if (memoForm) {
      memoForm.addEventListener("submit", function (e) {
        e.preventDefault();
        post("/api/memo", {
          source: data.source,
          text: memoForm.elements.text.value,
          title: memoForm.elements.title.value || null
        }).catch(failed).then(done);
      });
    }
  }

  // ---- review --------------------------------------------------------------

  var area = document.getElementById("review");
  if (area) initReview(area);

  function initReview(area) {
    var coder = area.getAttribute("data-coder");
    var params = {
      coder: coder,
      order: area.getAttribute("data-order") || "code",
      seed: Number(area.getAttribute("data-seed") || 0),
      code: area.getAttribute("data-code") || null
    };
    var SKIP_KEY = "pdcode-skip:" + coder;
    var DONE_KEY = "pdcode-decided:" + coder;
    var message = document.getElementById("review-msg");
    var busy = false;

    function stored(key) {
      try { return JSON.parse(sessionStorage.getItem(key) || "[]"); } catch (e) { return []; }
    }
    function store(key, list) {
      try { sessionStorage.setItem(key, JSON.stringify(list.slice(-5000))); } catch (e) { /* */ }
    }
    function say(text, isError) {
      message.textContent = text || "";
      message.className = "msg" + (isError ? " error" : "");
      message.hidden = !text;
    }
    function current() { return area.querySelector(".item"); }
    function body(extra) {
      var b = { coder: params.coder, order: params.order, seed: params.seed,
                code: params.code, skip: stored(SKIP_KEY) };
      Object.keys(extra || {}).forEach(function (k) { b[k] = extra[k]; });
      return b;
    }
    function swap(res, note) {
      busy = false;
      if (res.data && typeof res.data.html === "string") area.innerHTML = res.data.html;
      if (!res.ok) say(res.data.error || "that did not work", true);
      else say(note || "");
    }
    function query(extra) {
      var b = body(extra), q = new URLSearchParams();
      Object.keys(b).forEach(function (k) {
        if (b[k] === null || b[k] === undefined) return;
        q.set(k, Array.isArray(b[k]) ? b[k].join(",") : String(b[k]));
      });
      return q.toString();
    }

    function decide(decision, newCode) {
      var item = current();
      if (!item || busy) return;
      busy = true;
      var id = Number(item.getAttribute("data-coding-id"));
      // The span and code shown: if a rerun gave this id to another coding
      // meanwhile, the server refuses rather than deciding on what was not seen.
      var extra = {
        coding_id: id, decision: decision,
        expect_start: Number(item.getAttribute("data-start")),
        expect_end: Number(item.getAttribute("data-end")),
        expect_code: item.getAttribute("data-code")
      };
      if (newCode) extra.new_code = newCode;
      post("/api/review/decide", body(extra)).catch(failed).then(function (res) {
        if (res.ok || res.status === 409) {
          var done = stored(DONE_KEY);
          if (res.ok) { done.push(id); store(DONE_KEY, done); }
          store(SKIP_KEY, stored(SKIP_KEY).filter(function (x) { return x !== id; }));
        }
        swap(res);
      });
    }

    function skip() {
      var item = current();
      if (!item || busy) return;
      busy = true;
      var id = Number(item.getAttribute("data-coding-id"));
      var skips = stored(SKIP_KEY).filter(function (x) { return x !== id; });
      skips.push(id);
      store(SKIP_KEY, skips);
      get("/api/review/next?" + query()).catch(failed).then(function (res) {
        swap(res, "Skipped: it comes back at the end.");
      });
    }

    function undo() {
      if (busy) return;
      busy = true;
      var done = stored(DONE_KEY);
      var last = done.length ? done[done.length - 1] : null;
      post("/api/review/undo", body({ show: last })).catch(failed).then(function (res) {
        if (res.ok) { done.pop(); store(DONE_KEY, done); }
        var u = res.ok && res.data.undone;
        swap(res, u ? "Undid your " + u.decision + " of " + u.code + "." : "");
      });
    }

    function change() {
      var item = current();
      if (!item || busy || !picker) return;
      var r = item.querySelector(".item-head").getBoundingClientRect();
      picker.open(r.left + window.scrollX, r.bottom + window.scrollY + 4, function (code) {
        picker.close();
        if (code === item.getAttribute("data-code")) {
          say("That is the code it has: accept it instead (a).", true);
          return;
        }
        decide("change", code);
      });
    }

    var actions = { a: function () { decide("accept"); }, x: function () { decide("reject"); },
                    c: change, s: skip, u: undo };

    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      var t = e.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      if (pickerRoot && !pickerRoot.hidden) return;
      var act = actions[e.key];
      if (act) { e.preventDefault(); act(); }
    });
    area.addEventListener("click", function (e) {
      var button = e.target.closest("button[data-key]");
      if (button && actions[button.getAttribute("data-key")]) actions[button.getAttribute("data-key")]();
    });

    // Items skipped earlier in this tab go to the end of the queue.
    var item = current();
    if (item && stored(SKIP_KEY).indexOf(Number(item.getAttribute("data-coding-id"))) >= 0) {
      busy = true;
      get("/api/review/next?" + query()).catch(failed).then(function (res) { swap(res); });
    }
  }
})();
