/*
 * KYMRIAH education assistant: the embeddable chat widget. Plain JavaScript, no build step.
 *
 * Add it to a page (whose origin the gateway allows) with one tag:
 *
 *   <script src="https://GATEWAY/embed.js" defer
 *           data-title="Questions about KYMRIAH"   (panel heading)
 *           data-subtitle="..."                    (line under the heading)
 *           data-position="right"                  ("right" or "left": launcher corner)
 *           data-launcher-label="Ask a question"   (launcher text)
 *           data-open="false"                      ("true": open on load)
 *           data-mode="launcher"                   ("inline": no launcher, fills data-target)
 *           data-target="#chat-root"></script>     (inline mode: CSS selector of the container)
 *
 * The gateway must list the page's origin in ALLOWED_ORIGINS (its own pages are always allowed). A host page
 * with its own CSP must allow the gateway in script-src, style-src and connect-src.
 *
 * Everything the bot or the user wrote is put on the page with textContent, never innerHTML; links are
 * made only for https:, tel: and mailto: URLs that parse.
 *
 * When the gateway cannot be reached, or fails, the widget still shows the program contact and the
 * emergency wording: the gateway writes its own "not available" reply into this file when serving it.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src) {
    return;
  }
  var BASE = new URL(script.src, document.baseURI).origin;
  var API = BASE + "/api/messages";
  var MAX_CHARS = 1000;
  var SVG_NS = "http://www.w3.org/2000/svg";
  var LINK_PROTOCOLS = ["https:", "tel:", "mailto:"];
  var CONTACT_KINDS = ["handoff", "emergency", "out_of_scope", "eligibility"];
  // Replies that stand in for an answer (back end down, gateway busy): the buttons of the turn before stay valid.
  var INTERIM_REASONS = ["unavailable", "busy"];
  var FALLBACK = /*KYW_FALLBACK*/ null;
  var FALLBACK_TEXT =
    "Sorry, the assistant is not available right now. Please try again in a few minutes, or contact the " +
    "program directly. If your child may need urgent care, call your child's care team or get emergency " +
    "help (911) right away.";
  var instanceCount = 0;

  var data = script.dataset || {};
  var config = {
    title: data.title || "Questions about KYMRIAH CAR T-cell therapy",
    subtitle: data.subtitle || "Answers from the Gene Therapy Program's reviewed materials",
    position: data.position === "left" ? "left" : "right",
    launcherLabel: data.launcherLabel || "Ask a question",
    open: data.open === "true",
    mode: data.mode === "inline" ? "inline" : "launcher",
    target: data.target || null
  };

  var STARTERS = [
    "What is CAR T-cell therapy?",
    "Who can receive KYMRIAH?",
    "What is apheresis?",
    "How do I contact the program?"
  ];
  var WELCOME =
    "Hello. I can answer general questions about KYMRIAH CAR T-cell therapy using the program's " +
    "reviewed materials. I can't give medical advice about your child; your care team can.";

  /* ---------------------------------------------------------------- small DOM helpers */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function srOnly(text) {
    return el("span", "kyw-sr", text);
  }

  var ICONS = {
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
    close: "M6 6l12 12M18 6L6 18",
    send: "M3 11.5L21 3l-8.5 18-2.2-7.3L3 11.5z",
    restart: "M4 12a8 8 0 1 0 2.3-5.6M4 4v4.5h4.5",
    alert: "M12 3l10 18H2L12 3zM12 10v5M12 18v.01",
    phone: "M5 3h4l2 5-2.5 1.5a11 11 0 0 0 6 6L16 13l5 2v4a2 2 0 0 1-2 2A17 17 0 0 1 3 5a2 2 0 0 1 2-2z",
    mail: "M3 6h18v12H3zM3 6l9 7 9-7",
    link: "M14 4h6v6M20 4l-9 9M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5"
  };

  function icon(name, className) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "kyw-icon" + (className ? " " + className : ""));
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]);
    svg.appendChild(path);
    return svg;
  }

  /** A URL string if `raw` parses and its protocol is one of `protocols`, else null. */
  function safeUrl(raw, protocols) {
    if (typeof raw !== "string" || !raw) {
      return null;
    }
    var url;
    try {
      url = new URL(raw);
    } catch (e) {
      return null;
    }
    if ((protocols || LINK_PROTOCOLS).indexOf(url.protocol) === -1) {
      return null;
    }
    return url.href;
  }

  function telUrl(phone) {
    if (typeof phone !== "string") {
      return null;
    }
    var digits = phone.replace(/[^\d+]/g, "");
    if (!/^\+?\d{3,15}$/.test(digits)) {
      return null;
    }
    return safeUrl("tel:" + digits, ["tel:"]);
  }

  function mailtoUrl(email) {
    if (typeof email !== "string" || !/^[^\s@<>()"',;:?&/\\]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(email)) {
      return null;
    }
    return safeUrl("mailto:" + email, ["mailto:"]);
  }

  function link(href, text, external) {
    var a = el("a", "kyw-link");
    a.href = href;
    a.appendChild(document.createTextNode(String(text)));
    if (external) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.appendChild(srOnly(" (opens in a new tab)"));
    }
    return a;
  }

  function formatDate(iso) {
    if (typeof iso !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(iso)) {
      return null;
    }
    var date = new Date(iso + "T00:00:00Z");
    if (isNaN(date.getTime())) {
      return null;
    }
    try {
      return date.toLocaleDateString("en-US", { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" });
    } catch (e) {
      return iso;
    }
  }

  /** The reply shown when the gateway cannot answer at all (a copy: renderTurn may keep references). */
  function fallbackMessages() {
    if (Array.isArray(FALLBACK) && FALLBACK.length) {
      return JSON.parse(JSON.stringify(FALLBACK));
    }
    return [
      {
        text: FALLBACK_TEXT,
        custom: { kind: "handoff", topic: null, faq_id: null, score: null, sources: [], reason: "unavailable" }
      }
    ];
  }

  function loadStylesheet(done) {
    var href = BASE + "/static/widget.css";
    var existing = document.querySelector('link[data-kyw-css="1"]');
    if (existing) {
      done();
      return;
    }
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = href;
    css.setAttribute("data-kyw-css", "1");
    var finished = false;
    function finish() {
      if (!finished) {
        finished = true;
        done();
      }
    }
    css.addEventListener("load", finish);
    css.addEventListener("error", finish);
    setTimeout(finish, 4000);
    document.head.appendChild(css);
  }

  /* ---------------------------------------------------------------- the widget */

  function Widget(cfg) {
    this.cfg = cfg;
    this.id = "kyw" + ++instanceCount;
    this.session = null;
    this.busy = false;
    this.inline = cfg.mode === "inline";
  }

  Widget.prototype.mount = function (container) {
    var self = this;
    var cfg = this.cfg;
    var id = this.id;

    var root = el(this.inline ? "div" : "aside", "kyw-root kyw-pos-" + cfg.position + (this.inline ? " kyw-inline" : ""));
    if (!this.inline) {
      root.setAttribute("aria-label", "Chat assistant");
    }
    root.hidden = true;
    this.root = root;

    var panel = el("section", "kyw-panel");
    panel.id = id + "-panel";
    panel.setAttribute("aria-labelledby", id + "-title");
    panel.setAttribute("aria-describedby", id + "-subtitle");
    if (!this.inline) {
      panel.setAttribute("role", "dialog");
      panel.setAttribute("aria-modal", "false");
      panel.hidden = true;
    }
    this.panel = panel;

    // Header: title, "Start over", close.
    var header = el("header", "kyw-header");
    var headerRow = el("div", "kyw-header-row");
    var h2 = el("h2", "kyw-title", cfg.title);
    h2.id = id + "-title";
    var sub = el("p", "kyw-subtitle", cfg.subtitle);
    sub.id = id + "-subtitle";
    headerRow.appendChild(h2);
    header.appendChild(headerRow);
    var actions = el("div", "kyw-header-actions");
    var restart = el("button", "kyw-restart");
    restart.type = "button";
    restart.appendChild(icon("restart"));
    restart.appendChild(el("span", null, "Start over"));
    restart.addEventListener("click", function () {
      self.startOver();
    });
    actions.appendChild(restart);
    if (!this.inline) {
      var close = el("button", "kyw-close");
      close.type = "button";
      close.setAttribute("aria-label", "Close chat");
      close.appendChild(icon("close"));
      close.addEventListener("click", function () {
        self.close();
      });
      actions.appendChild(close);
    }
    headerRow.appendChild(actions);
    header.appendChild(sub);
    panel.appendChild(header);

    // The conversation.
    var log = el("ol", "kyw-log");
    log.id = id + "-log";
    log.setAttribute("aria-label", "Conversation");
    log.tabIndex = 0;
    this.log = log;
    panel.appendChild(log);

    var typing = el("div", "kyw-typing");
    typing.hidden = true;
    var dots = el("span", "kyw-dots");
    dots.setAttribute("aria-hidden", "true");
    dots.appendChild(el("span"));
    dots.appendChild(el("span"));
    dots.appendChild(el("span"));
    typing.appendChild(dots);
    typing.appendChild(el("span", "kyw-typing-text", "The assistant is typing"));
    this.typing = typing;
    panel.appendChild(typing);

    // Screen-reader announcements of new replies (urgent replies announce themselves with role="alert").
    var live = el("div", "kyw-sr");
    live.setAttribute("aria-live", "polite");
    live.setAttribute("aria-atomic", "true");
    live.id = id + "-live";
    this.live = live;
    panel.appendChild(live);

    // The input.
    var form = el("form", "kyw-form");
    form.setAttribute("novalidate", "");
    var label = el("label", "kyw-sr", "Your question");
    label.htmlFor = id + "-input";
    var input = el("textarea", "kyw-input");
    input.id = id + "-input";
    input.rows = 1;
    input.maxLength = MAX_CHARS;
    input.placeholder = "Type your question";
    input.setAttribute("autocomplete", "off");
    input.setAttribute("aria-describedby", id + "-hint");
    this.input = input;
    var send = el("button", "kyw-send");
    send.type = "submit";
    send.setAttribute("aria-label", "Send");
    send.appendChild(icon("send"));
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(send);
    panel.appendChild(form);

    var hint = el("p", "kyw-hint");
    hint.id = id + "-hint";
    hint.appendChild(
      document.createTextNode(
        "Please don't type names, phone numbers or other personal details. " +
          "If your child may need urgent care, call your care team or 911."
      )
    );
    var counter = el("span", "kyw-counter");
    counter.hidden = true;
    hint.appendChild(counter);
    this.counter = counter;
    panel.appendChild(hint);

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.submitInput();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        self.submitInput();
      }
    });
    input.addEventListener("input", function () {
      self.updateCounter();
      self.autoGrow();
    });

    if (!this.inline) {
      var launcher = el("button", "kyw-launcher");
      launcher.type = "button";
      launcher.setAttribute("aria-expanded", "false");
      launcher.setAttribute("aria-controls", panel.id);
      launcher.setAttribute("aria-haspopup", "dialog");
      launcher.appendChild(icon("chat"));
      launcher.appendChild(el("span", "kyw-launcher-label", cfg.launcherLabel));
      launcher.addEventListener("click", function () {
        if (self.isOpen()) {
          self.close();
        } else {
          self.open();
        }
      });
      this.launcher = launcher;
      root.appendChild(panel);
      root.appendChild(launcher);
      root.addEventListener("keydown", function (event) {
        if ((event.key === "Escape" || event.key === "Esc") && self.isOpen()) {
          event.preventDefault();
          self.close();
        } else if (event.key === "Tab" && self.isOpen() && self.isFullScreen()) {
          self.keepFocusInPanel(event);
        }
      });
    } else {
      root.appendChild(panel);
    }

    container.appendChild(root);
    this.showWelcome();
    loadStylesheet(function () {
      root.hidden = false;
      if (self.inline) {
        self.input.focus();
      } else if (cfg.open) {
        self.open();
      }
    });
  };

  Widget.prototype.isOpen = function () {
    return this.inline || !this.panel.hidden;
  };

  /** On small screens the panel covers the page, so it behaves as a modal dialog. */
  Widget.prototype.isFullScreen = function () {
    return !!(window.matchMedia && window.matchMedia("(max-width: 480px)").matches);
  };

  Widget.prototype.keepFocusInPanel = function (event) {
    var focusable = Array.prototype.filter.call(
      this.panel.querySelectorAll("button, a[href], textarea, [tabindex]:not([tabindex='-1'])"),
      function (node) {
        return !node.disabled && node.getClientRects().length > 0;
      }
    );
    if (!focusable.length) {
      return;
    }
    var first = focusable[0];
    var last = focusable[focusable.length - 1];
    var active = document.activeElement;
    if (event.shiftKey && (active === first || !this.panel.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !this.panel.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  };

  Widget.prototype.open = function () {
    if (this.inline) {
      return;
    }
    this.panel.setAttribute("aria-modal", this.isFullScreen() ? "true" : "false");
    this.panel.hidden = false;
    this.root.classList.add("kyw-open");
    this.launcher.setAttribute("aria-expanded", "true");
    this.scrollToEnd();
    this.input.focus();
  };

  Widget.prototype.close = function () {
    if (this.inline) {
      return;
    }
    this.panel.hidden = true;
    this.root.classList.remove("kyw-open");
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.focus();
  };

  Widget.prototype.updateCounter = function () {
    var length = this.input.value.length;
    if (length >= MAX_CHARS - 200) {
      this.counter.hidden = false;
      this.counter.textContent = " " + length + " of " + MAX_CHARS + " characters.";
    } else {
      this.counter.hidden = true;
      this.counter.textContent = "";
    }
  };

  Widget.prototype.autoGrow = function () {
    this.input.style.height = "auto";
    this.input.style.height = Math.min(this.input.scrollHeight, 160) + "px";
  };

  Widget.prototype.scrollToEnd = function () {
    this.log.scrollTop = this.log.scrollHeight;
  };

  /** Scroll the conversation (only it: not the panel, not the host page) so that `item` starts at the top. */
  Widget.prototype.scrollToItem = function (item) {
    this.log.scrollTop += item.getBoundingClientRect().top - this.log.getBoundingClientRect().top - 8;
  };

  Widget.prototype.announce = function (text) {
    var live = this.live;
    live.textContent = "";
    window.setTimeout(function () {
      live.textContent = text;
    }, 60);
  };

  Widget.prototype.addItem = function (className) {
    var item = el("li", "kyw-item " + className);
    this.log.appendChild(item);
    return item;
  };

  Widget.prototype.showWelcome = function () {
    var item = this.addItem("kyw-bot kyw-welcome");
    item.appendChild(srOnly("Assistant: "));
    item.appendChild(el("p", "kyw-bubble", WELCOME));
    this.renderButtons(
      item,
      STARTERS.map(function (text) {
        return { title: text, payload: text };
      }),
      "Suggested questions"
    );
  };

  Widget.prototype.addUserMessage = function (text) {
    var item = this.addItem("kyw-user");
    item.appendChild(srOnly("You: "));
    item.appendChild(el("p", "kyw-bubble", text));
    this.scrollToEnd();
  };

  Widget.prototype.addNotice = function (text) {
    var item = this.addItem("kyw-bot kyw-notice");
    item.appendChild(srOnly("Notice: "));
    item.appendChild(el("p", "kyw-bubble", text));
    this.announce(text);
    this.scrollToEnd();
  };

  Widget.prototype.submitInput = function () {
    var text = this.input.value.replace(/^\s+|\s+$/g, "");
    if (!text || this.busy) {
      return;
    }
    this.input.value = "";
    this.updateCounter();
    this.autoGrow();
    this.addUserMessage(text);
    this.send(text, { typed: true });
  };

  Widget.prototype.setBusy = function (busy) {
    this.busy = busy;
    this.typing.hidden = !busy;
    this.log.setAttribute("aria-busy", busy ? "true" : "false");
    if (busy) {
      this.scrollToEnd();
    }
  };

  /**
   * POST one message; resolves to the parsed reply (also a 503 "busy" one, which carries messages) or null
   * (a notice, and for a failure on our side the program contact, have been shown).
   */
  Widget.prototype.post = function (text) {
    var self = this;
    var body = JSON.stringify({ session: this.session, text: text });
    return fetch(API, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: body,
      credentials: "omit",
      mode: "cors",
      cache: "no-store"
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (payload) {
            if (payload && typeof payload.session === "string") {
              self.session = payload.session;
            }
            if (payload && Array.isArray(payload.messages) && (response.ok || response.status === 503)) {
              payload.retry = !response.ok;
              return payload;
            }
            var message =
              payload && payload.error && typeof payload.error.message === "string"
                ? payload.error.message
                : "Sorry, something went wrong. Please try again.";
            self.addNotice(message);
            if (response.status >= 500) {
              self.renderTurn(fallbackMessages());
            }
            return null;
          });
      })
      .catch(function () {
        self.addNotice("We couldn't reach the assistant. Please check your connection and try again.");
        self.renderTurn(fallbackMessages());
        return null;
      });
  };

  Widget.prototype.send = function (text, options) {
    var self = this;
    options = options || {};
    this.setBusy(true);
    return this.post(text).then(function (payload) {
      self.setBusy(false);
      if (payload) {
        if (payload.messages.length) {
          self.renderTurn(payload.messages);
        } else if (options.silentReply) {
          self.addNotice(options.silentReply);
        }
        if (payload.retry && options.typed && !self.input.value) {
          self.input.value = text; // busy: the question is ready to send again
          self.updateCounter();
        }
      }
      return payload;
    });
  };

  Widget.prototype.startOver = function () {
    var self = this;
    if (this.busy) {
      return;
    }
    var hadSession = this.session !== null;
    while (this.log.firstChild) {
      this.log.removeChild(this.log.firstChild);
    }
    this.showWelcome();
    this.announce("The conversation has been cleared. You can ask a new question.");
    this.input.focus();
    if (hadSession) {
      this.setBusy(true);
      this.post("/restart").then(function (payload) {
        self.setBusy(false);
        if (payload && payload.messages.length) {
          self.renderTurn(payload.messages);
        }
      });
    }
  };

  Widget.prototype.pressButton = function (group, button, choice) {
    if (this.busy) {
      return;
    }
    var buttons = group.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = true;
    }
    button.setAttribute("aria-pressed", "true");
    button.classList.add("kyw-chosen");
    this.addUserMessage(choice.title);
    this.input.focus();
    var isFeedback = /^\/feedback/.test(choice.payload);
    this.send(choice.payload, { silentReply: isFeedback ? "Thank you for your feedback." : null });
  };

  Widget.prototype.renderButtons = function (parent, buttons, label) {
    var self = this;
    if (!buttons || !buttons.length) {
      return null;
    }
    var group = el("div", "kyw-buttons");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", label || "Suggested replies");
    buttons.forEach(function (choice) {
      if (!choice || typeof choice.title !== "string" || typeof choice.payload !== "string") {
        return;
      }
      var button = el("button", "kyw-chip", choice.title);
      button.type = "button";
      if (choice.payload.charAt(0) === "/") {
        button.setAttribute("data-command", "1"); // valid only until the next answer (the gateway checks)
      }
      button.addEventListener("click", function () {
        self.pressButton(group, button, choice);
      });
      group.appendChild(button);
    });
    parent.appendChild(group);
    return group;
  };

  Widget.prototype.renderSources = function (parent, custom) {
    var sources = Array.isArray(custom.sources) ? custom.sources : [];
    var reviewed = formatDate(custom.reviewed);
    if (!sources.length && !reviewed) {
      return;
    }
    var box = el("div", "kyw-source");
    sources.slice(0, 3).forEach(function (source) {
      if (!source || typeof source.title !== "string") {
        return;
      }
      var line = el("p", "kyw-source-line");
      line.appendChild(icon("link"));
      line.appendChild(el("span", "kyw-source-label", "Source: "));
      var href = safeUrl(source.url, ["https:"]);
      if (href) {
        line.appendChild(link(href, source.title, true));
      } else {
        line.appendChild(el("span", "kyw-source-title", source.title));
      }
      if (typeof source.section === "string" && source.section) {
        line.appendChild(el("span", "kyw-source-section", " (" + source.section + ")"));
      }
      box.appendChild(line);
    });
    if (reviewed) {
      var time = el("time", null, reviewed);
      time.dateTime = custom.reviewed;
      var p = el("p", "kyw-reviewed");
      p.appendChild(document.createTextNode("Reviewed "));
      p.appendChild(time);
      box.appendChild(p);
    }
    parent.appendChild(box);
  };

  Widget.prototype.renderContact = function (parent, contact, urgent) {
    if (!contact || typeof contact !== "object") {
      return;
    }
    var card = el("div", "kyw-contact" + (urgent ? " kyw-contact-urgent" : ""));
    card.setAttribute("role", "group");
    card.setAttribute("aria-label", "Program contact");
    if (typeof contact.name === "string") {
      card.appendChild(el("p", "kyw-contact-name", contact.name));
    }
    if (typeof contact.role === "string") {
      card.appendChild(el("p", "kyw-contact-role", contact.role));
    }
    var links = el("p", "kyw-contact-links");
    var tel = telUrl(contact.phone);
    if (tel) {
      var phoneLink = el("a", "kyw-link kyw-contact-link");
      phoneLink.href = tel;
      phoneLink.appendChild(icon("phone"));
      phoneLink.appendChild(el("span", null, "Call " + contact.phone));
      links.appendChild(phoneLink);
    }
    var mail = mailtoUrl(contact.email);
    if (mail) {
      var mailLink = el("a", "kyw-link kyw-contact-link");
      mailLink.href = mail;
      mailLink.appendChild(icon("mail"));
      mailLink.appendChild(srOnly("Email "));
      mailLink.appendChild(el("span", "kyw-contact-address", contact.email));
      links.appendChild(mailLink);
    }
    if (links.childNodes.length) {
      card.appendChild(links);
    }
    parent.appendChild(card);
  };

  /** One bot turn: Rasa's text and button messages plus the one custom payload (docs/reply-contract.md). */
  Widget.prototype.renderTurn = function (messages) {
    var custom = null;
    var plain = [];
    var withButtons = [];
    var seenPayloads = {};
    messages.forEach(function (message) {
      if (!message || typeof message !== "object") {
        return;
      }
      if (message.custom && typeof message.custom === "object" && !custom) {
        custom = message.custom;
      }
      var buttons = Array.isArray(message.buttons) ? message.buttons : [];
      buttons.forEach(function (b) {
        if (b && typeof b.payload === "string") {
          seenPayloads[b.payload] = true;
        }
      });
      if (buttons.length) {
        withButtons.push({ text: typeof message.text === "string" ? message.text : null, buttons: buttons });
      } else if (typeof message.text === "string" && message.text) {
        plain.push(message.text);
      }
    });
    var kind = custom && typeof custom.kind === "string" ? custom.kind : null;
    var urgent = kind === "emergency";
    if (!(custom && INTERIM_REASONS.indexOf(custom.reason) !== -1)) {
      // The gateway accepts a button's command only from the latest answer; older ones no longer work.
      var stale = this.log.querySelectorAll("button.kyw-chip[data-command]");
      for (var s = 0; s < stale.length; s++) {
        stale[s].disabled = true;
      }
    }
    var item = this.addItem("kyw-bot" + (kind ? " kyw-kind-" + kind.replace(/[^a-z_]/g, "") : ""));
    var body = item;
    item.appendChild(srOnly("Assistant: "));
    if (urgent) {
      body = el("div", "kyw-emergency");
      body.setAttribute("role", "alert");
      body.setAttribute("aria-live", "assertive");
      var head = el("p", "kyw-emergency-head");
      head.appendChild(icon("alert"));
      head.appendChild(el("strong", null, "Urgent"));
      body.appendChild(head);
      item.appendChild(body);
    }
    plain.forEach(function (text) {
      body.appendChild(el("p", "kyw-bubble", text));
    });
    if (custom && kind === "answer") {
      this.renderSources(body, custom);
    }
    if (custom && CONTACT_KINDS.indexOf(kind) !== -1) {
      this.renderContact(body, custom.contact, urgent);
    }
    var self = this;
    withButtons.forEach(function (block) {
      var isFeedback = block.buttons.some(function (b) {
        return b && typeof b.payload === "string" && /^\/feedback/.test(b.payload);
      });
      var wrap = el("div", "kyw-choice" + (isFeedback ? " kyw-feedback" : ""));
      if (block.text) {
        wrap.appendChild(el("p", isFeedback ? "kyw-feedback-question" : "kyw-bubble", block.text));
      }
      self.renderButtons(wrap, block.buttons, isFeedback ? block.text || "Was this helpful?" : "Suggested replies");
      body.appendChild(wrap);
    });
    if (custom && Array.isArray(custom.suggestions)) {
      var extra = custom.suggestions.filter(function (s) {
        return s && typeof s.payload === "string" && !seenPayloads[s.payload];
      });
      if (extra.length) {
        this.renderButtons(body, extra, "Suggested replies");
        extra.forEach(function (s) {
          seenPayloads[s.payload] = true;
        });
      }
    }
    var hasFeedback = Object.keys(seenPayloads).some(function (p) {
      return /^\/feedback/.test(p);
    });
    if (kind === "answer" && !hasFeedback) {
      var feedback = el("div", "kyw-choice kyw-feedback");
      feedback.appendChild(el("p", "kyw-feedback-question", "Was this helpful?"));
      this.renderButtons(
        feedback,
        [
          { title: "Yes", payload: "/feedback_helpful" },
          { title: "No", payload: "/feedback_not_helpful" }
        ],
        "Was this helpful?"
      );
      body.appendChild(feedback);
    }
    if (!urgent && item.childNodes.length === 1) {
      this.log.removeChild(item); // nothing to show (e.g. a payload-only turn)
      return;
    }
    if (urgent) {
      this.scrollToItem(item);
    } else {
      this.announce("Assistant: " + plain.concat(withButtons.map(function (b) { return b.text || ""; })).join(" "));
      this.scrollToEnd();
    }
  };

  /* ---------------------------------------------------------------- start */

  function start() {
    var container = document.body;
    if (config.mode === "inline" && config.target) {
      container = document.querySelector(config.target) || document.body;
    }
    var widget = new Widget(config);
    widget.mount(container);
    window.KymriahChat = window.KymriahChat || [];
    window.KymriahChat.push({
      open: function () {
        widget.open();
      },
      close: function () {
        widget.close();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
