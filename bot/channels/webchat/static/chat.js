// The villager chat page. Plain script, no framework: it must load fast on a slow phone.
// Every text from the server is set with textContent, never parsed as HTML.
"use strict";

const T = {
  zh: {
    title: "明白 · 法律小帮手", note: "免费法律常识，不代替律师。遇到危险请马上打 110。",
    placeholder: "在这里打字提问…", send: "发送", other: "EN",
    offline: "网络不稳，正在重新连接…", failed: "没发出去，请检查网络。", retry: "再发一次",
    loadFailed: "打不开聊天记录，请检查网络后刷新页面。",
    sending: "发送中…", delivered: "已送达", leave: "快速离开",
    hidden: "之前的对话已经从这个页面上拿掉了（顾问那边还保存着）。要彻底删除，请点下面的按钮。",
    forget: "🗑️ 删除我的全部记录", big: "大字", related: "💬 相关问题",
    forgotten: "您的记录已经全部删除，这个页面上的对话也清空了。",
    sos: "📞110", sosLabel: "遇到危险请马上打110"
  },
  en: {
    title: "Mingbai · legal helper", note: "Free legal information, not a lawyer. In danger, call 110 now.",
    placeholder: "Type your question here…", send: "Send", other: "中文",
    offline: "Connection unstable, reconnecting…", failed: "Not sent. Please check your connection.",
    retry: "Send again", loadFailed: "Could not load the conversation. Check your connection and reload.",
    sending: "Sending…", delivered: "Delivered", leave: "Quick exit",
    hidden: "The earlier conversation was taken off this page (advisers still have it). To delete it for good, press the button below.",
    forget: "🗑️ Delete all my data",
    big: "A+", related: "💬 Related questions",
    forgotten: "All your data was deleted, and this page no longer shows the conversation.",
    sos: "📞110", sosLabel: "In danger, call 110 now"
  }
};

// 快速离开 goes here at once, replacing this page in the tab's history (Back does not return to the chat);
// the server sends it on to a neutral site (MINGBAI_QUICK_EXIT_URL).
const AWAY = "/away";
const LEFT = "mingbai_left";  // set by a quick exit, until the server has hidden the conversation
const BIG = "mingbai_big";  // 「大字」 chosen on this phone: remembered until pressed again
const BASIS = /^(依据：|Legal basis: )/;  // the answer's last paragraph: legal basis and the 12348 reminder

const state = { lang: "zh", seq: 0, ws: null, failures: 0, polling: false, waiting: new Map() };
const $ = (id) => document.getElementById(id);
const log = $("log");

function t(key) { return T[state.lang][key]; }

function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function setLang(lang) {
  if (!T[lang]) return;
  state.lang = lang;
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  document.querySelectorAll("[data-t]").forEach((node) => { node.textContent = t(node.dataset.t); });
  document.querySelectorAll("[data-t-label]").forEach((node) => { node.setAttribute("aria-label", t(node.dataset.tLabel)); });
  $("text").placeholder = t("placeholder");
  $("text").setAttribute("aria-label", t("placeholder"));
  $("lang").textContent = t("other");
  $("lang").lang = lang === "zh" ? "en" : "zh-CN";
}

function show(node, scrollToStart) {
  log.appendChild(node);
  node.scrollIntoView({ block: scrollToStart ? "start" : "end" });
  return node;
}

function addMine(text, sending) {
  const node = el("div", "msg me");
  node.appendChild(el("div", "bubble", text));
  if (sending) node.appendChild(el("div", "state", t("sending")));
  return show(node, false);
}

// 发送中… at once, 已送达 when the server has the message (also for a piece it reads with the next one).
function setState(node, key) {
  const line = node && node.querySelector(".state");
  if (line) line.textContent = key ? t(key) : "";
}

// Hotlines (110, 120, 96110, 12348, 12333 ...) and office phones (0833-2123456) become tap-to-call links.
const PHONE = /(?<![\d-])(1(?:10|19|20|22)|96110|123\d\d|0\d{2,3}-?\d{7,8})(?![\d-])/;

function appendWithCalls(parent, text) {
  text.split(PHONE).forEach((part, index) => {
    if (!part) return;
    if (index % 2) {
      const link = el("a", "call", part);
      link.href = "tel:" + part.replace(/-/g, "");
      parent.appendChild(link);
    } else {
      parent.appendChild(document.createTextNode(part));
    }
  });
}

// The FAQ marks key words **like this**; show them bold, still as text nodes, never as HTML.
function appendMarked(parent, text) {
  text.split(/\*\*([^*\n]+?)\*\*/).forEach((part, index) => {
    if (!part) return;
    if (index % 2) {
      const strong = el("strong");
      appendWithCalls(strong, part);
      parent.appendChild(strong);
    } else {
      appendWithCalls(parent, part);
    }
  });
}

// Paragraphs (split at blank lines) with a small gap instead of a whole empty line; the legal basis as a footnote.
function formatted(text) {
  const bubble = el("div", "bubble");
  text.split(/\n{2,}/).forEach((paragraph) => {
    const node = el("p", BASIS.test(paragraph) ? "basis" : "");
    appendMarked(node, paragraph);
    bubble.appendChild(node);
  });
  return bubble;
}

function choiceButton(choice) {
  const button = el("button", "", choice.label);
  button.type = "button";
  button.dataset.action = choice.action;
  button.addEventListener("click", () => press(choice.label, choice.action, button));
  return button;
}

// An answer (it has 「📖 详细说明」) keeps its related questions behind one 「相关问题」 button, so the answer
// and its buttons fit one phone screen; a question to choose from (您是想问…) shows its choices at once.
function relatedOf(reply) {
  const all = reply.buttons.flat();
  return all.some((choice) => choice.action.startsWith("more:")) ?
    all.filter((choice) => choice.action.startsWith("intent:")) : [];
}

function relatedBox(related) {
  const box = el("div", "related");
  box.hidden = true;
  related.forEach((choice) => box.appendChild(choiceButton(choice)));
  const toggle = el("button", "toggle", t("related"));
  toggle.type = "button";
  toggle.setAttribute("aria-expanded", "false");
  toggle.addEventListener("click", () => {
    box.hidden = !box.hidden;
    toggle.setAttribute("aria-expanded", String(!box.hidden));
    if (!box.hidden) box.scrollIntoView({ block: "nearest" });
  });
  return [toggle, box];
}

function addBot(reply, extraClass) {
  const node = el("div", "msg bot" + (extraClass ? " " + extraClass : ""));
  node.appendChild(formatted(reply.text));
  if (reply.buttons && reply.buttons.length) {
    const box = el("div", "buttons");
    const related = relatedOf(reply);
    let toggle = null;
    for (const row of reply.buttons) {
      const line = el("div", "row");
      for (const choice of row) {
        if (related.includes(choice)) {
          if (!toggle) { toggle = relatedBox(related); line.append(...toggle); }
        } else {
          line.appendChild(choiceButton(choice));
        }
      }
      if (line.childElementCount) box.appendChild(line);
    }
    node.appendChild(box);
  }
  return show(node, true);
}

function addProblem(text, retry) {
  const node = el("div", "msg system");
  const bubble = el("div", "bubble", text);
  if (retry) {
    const again = el("button", "", t("retry"));
    again.type = "button";
    again.addEventListener("click", () => { node.remove(); retry(); });
    bubble.appendChild(el("br"));
    bubble.appendChild(again);
  }
  node.appendChild(bubble);
  return show(node, false);
}

function showAnswer(answer) {
  if (answer.lang && answer.lang !== state.lang) setLang(answer.lang);
  if (answer.forgotten) {  // /forget: nothing said before stays on the screen either
    log.replaceChildren();
    addBot({ text: t("forgotten") }, "system");
  }
  let first = null;
  for (const reply of answer.replies || []) {
    const node = addBot(reply);  // every reply: a short-circuit here once showed only the first
    first = first || node;
  }
  if (first) first.scrollIntoView({ block: "start" });
}

function press(label, action, button) {
  if (button) button.classList.add("pressed");
  if (action.startsWith("lang:")) setLang(action.slice(5));
  send({ action: action }, label);
}

function send(payload, shown, mine, after) {
  payload.id = payload.id || newId();
  const node = mine || (shown ? addMine(shown, true) : null);
  setState(node, "sending");
  deliver(payload).then((answer) => { setState(node, "delivered"); showAnswer(answer); if (after) after(); }, (error) => {
    setState(node, null);
    addProblem(error.readable || t("failed"), error.readable ? null : () => send(payload, null, node));
  });
}

// Over the socket when it is open, else (or when it goes quiet) over HTTP with the same id:
// the server answers a repeated id with the first answer, so nothing is said twice.
function deliver(payload) {
  const ws = state.ws;
  if (!ws || ws.readyState !== WebSocket.OPEN) return post(payload, 0);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fallback(), 15000);
    const fallback = () => { state.waiting.delete(payload.id); post(payload, 0).then(resolve, reject); };
    state.waiting.set(payload.id, { timer: timer, resolve: resolve, reject: reject, fallback: fallback });
    ws.send(JSON.stringify(payload));
  }).finally(() => {
    const waiting = state.waiting.get(payload.id);
    if (waiting) clearTimeout(waiting.timer);
    state.waiting.delete(payload.id);
  });
}

async function post(payload, attempt) {
  let response;
  try {
    response = await fetch("/api/message", {
      method: "POST", credentials: "same-origin", body: JSON.stringify(payload),
      headers: { "Content-Type": "application/json", "X-Mingbai": "1" }
    });
  } catch (networkError) {
    response = null;
  }
  if (response && response.status < 500) {
    const body = await response.json().catch(() => ({}));
    if (response.ok) return body;
    throw Object.assign(new Error("refused"), { readable: body.error || t("failed") });
  }
  if (attempt >= 3) throw new Error("unreachable");
  await new Promise((done) => setTimeout(done, 1000 * 2 ** attempt));
  return post(payload, attempt + 1);
}

function received(data) {
  if (data.type === "push" && data.seq > state.seq) {
    state.seq = data.seq;
    addBot(data.reply, "pushed");
  } else if (data.type === "replies" || data.type === "error") {
    const waiting = state.waiting.get(data.id);
    if (!waiting) return;
    clearTimeout(waiting.timer);
    if (data.type === "replies") waiting.resolve(data);
    else waiting.reject(Object.assign(new Error("refused"), { readable: data.error }));
  }
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  let ws;
  try {
    ws = new WebSocket(scheme + location.host + "/ws?after=" + state.seq);
  } catch (error) {
    return reconnectLater();
  }
  state.ws = ws;
  ws.onopen = () => { state.failures = 0; state.polling = false; $("status").hidden = true; };
  ws.onmessage = (event) => { try { received(JSON.parse(event.data)); } catch (error) { /* not ours */ } };
  ws.onclose = () => {
    if (state.ws !== ws) return;
    state.ws = null;
    for (const waiting of Array.from(state.waiting.values())) { clearTimeout(waiting.timer); waiting.fallback(); }
    reconnectLater();
  };
}

function reconnectLater() {
  state.failures += 1;
  const status = $("status");
  status.textContent = t("offline");
  status.hidden = false;
  if (state.failures >= 2 && !state.polling) poll();
  setTimeout(connect, Math.min(30000, 1000 * 2 ** state.failures));
}

// The fallback when sockets do not get through: long polls, each waiting up to 25 s for a message.
async function poll() {
  state.polling = true;
  while (state.polling) {
    try {
      const response = await fetch("/api/poll?wait=25&after=" + state.seq, { credentials: "same-origin" });
      if (!response.ok) throw new Error("poll failed");
      const body = await response.json();
      $("status").hidden = true;
      for (const message of body.messages) received(message);
    } catch (error) {
      await new Promise((done) => setTimeout(done, 5000));
    }
  }
}

// 快速离开: for someone whose abuser may take the phone. Nothing waits: the screen is emptied, the server is
// told (a beacon outlives the page) to keep the conversation off this page, and the tab goes elsewhere.
function leave() {
  localStorage.setItem(LEFT, "1");
  log.replaceChildren();
  document.title = "";
  navigator.sendBeacon("/api/leave");
  location.replace(AWAY);
}

// A quick exit whose beacon may not have arrived (offline): ask again before showing anything.
async function confirmLeft() {
  if (!localStorage.getItem(LEFT)) return;
  const response = await fetch("/api/leave", { method: "POST", credentials: "same-origin", headers: { "X-Mingbai": "1" } });
  if (response.ok) localStorage.removeItem(LEFT);
}

function showHidden() {
  const node = addBot({ text: t("hidden"), buttons: [[{ label: t("forget"), action: "cmd:forget" }]] }, "system");
  node.scrollIntoView({ block: "end" });
}

// 「大字」: larger type and buttons for elderly eyes, remembered on this phone.
function setBig(on) {
  document.documentElement.classList.toggle("big", on);
  $("big").setAttribute("aria-pressed", String(on));
  if (on) localStorage.setItem(BIG, "1");
  else localStorage.removeItem(BIG);
}

// The reply box is one line until the villager writes more, then grows (up to its max-height).
function fitTextBox() {
  const box = $("text");
  box.style.height = "";  // empty: one line again (an empty box's scrollHeight counts the wrapped placeholder)
  if (!box.value) return;
  box.style.height = "auto";
  box.style.height = box.scrollHeight + box.offsetHeight - box.clientHeight + "px";
}

async function start() {
  setBig(localStorage.getItem(BIG) === "1");
  $("big").addEventListener("click", () => setBig(!document.documentElement.classList.contains("big")));
  $("text").addEventListener("input", fitTextBox);
  $("leave").addEventListener("click", leave);
  $("lang").addEventListener("click", () => press(t("other"), state.lang === "zh" ? "lang:en" : "lang:zh", null));
  $("ask").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("text").value.trim();
    if (!text) return;
    $("text").value = "";
    fitTextBox();
    send({ text: text }, text);
  });
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("ask").requestSubmit();
    }
  });
  let history;
  try {
    await confirmLeft();
    const response = await fetch("/api/history", { credentials: "same-origin" });
    if (!response.ok) throw new Error("history failed");
    history = await response.json();
  } catch (error) {
    addProblem(t("loadFailed"), () => location.reload());
    return;
  }
  setLang(history.lang || "zh");
  state.seq = history.seq || 0;
  for (const message of history.messages) {
    if (message.from === "me") addMine(message.text);
    else addBot(message);
  }
  if (log.lastElementChild) log.lastElementChild.scrollIntoView({ block: "end" });
  const hidden = history.hidden ? showHidden : null;  // after the welcome, so it is what the villager sees
  if (!history.messages.length) send({ text: "/start" }, null, null, hidden);
  else if (hidden) hidden();
  connect();
}

start();
