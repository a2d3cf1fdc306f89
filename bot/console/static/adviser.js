// The advisers' console: polls the list and the open case every few seconds; every action is one POST.
// Villagers' words are always set with textContent, never parsed as HTML (bold is built from text nodes).
"use strict";

const POLL_MS = 2000;
const DELIVERY = { pending: "发送中…", sent: "已送达", failed: "未送达" };
const $ = (id) => document.getElementById(id);
const view = {
  caseId: null, filter: "open", words: "", events: new Map(), lastCase: null, timer: null,
  known: null,  // ids of the open cases already seen: a new one rings (null until the first answer)
  templates: [], choice: 0,
  zone: undefined,  // MINGBAI_TIMEZONE, from the server: times read the same on a phone set to any zone
};

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// "**粗体**" as <strong>, everything else as text.
function rich(node, text) {
  const parts = String(text).split(/\*\*(.+?)\*\*/s);
  parts.forEach((part, index) => {
    if (part) node.appendChild(index % 2 ? el("strong", "", part) : document.createTextNode(part));
  });
  return node;
}

function elapsed(seconds) {
  if (seconds < 60) return seconds + " 秒";
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? minutes + " 分钟" : Math.floor(minutes / 60) + " 小时 " + (minutes % 60) + " 分钟";
}

function clock(at) {
  return new Date(at * 1000).toLocaleString("zh-CN", { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit",
                                                       timeZone: view.zone });
}

function waitingLine(item) {
  if (item.status === "waiting") return "等了 " + elapsed(item.waited);
  if (item.status === "closed") return "已结案";
  return "已接手 " + elapsed(item.seconds);
}

function say(message) {
  $("status").textContent = message || "";
  $("status").hidden = !message;
}

async function request(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json", "X-Mingbai": "1" }, body: JSON.stringify(body)
  };
  const response = await fetch(path, options);
  if (response.status === 401) { location.assign("/login?next=/adviser"); throw new Error("logged out"); }
  const data = await response.json().catch(() => ({}));  // a proxy's error page is not JSON
  if (!response.ok) {
    const error = new Error(data.error || "操作没有成功，请再试一次。");
    error.needsClaim = !!data.needs_claim;
    throw error;
  }
  return data;
}

// --- never miss a case: sound and a desktop notification ------------------------------------

function beep(urgent) {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  const audio = new Context();
  const count = urgent ? 3 : 1;
  for (let i = 0; i < count; i++) {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = urgent ? 988 : 660;
    gain.gain.value = urgent ? 0.6 : 0.2;
    tone.connect(gain).connect(audio.destination);
    tone.start(audio.currentTime + i * 0.3);
    tone.stop(audio.currentTime + i * 0.3 + 0.2);
  }
}

function announce(item) {
  beep(item.urgent);
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const notice = new Notification((item.urgent ? "🆘 紧急求助 #" : "新求助 #") + item.id, {
    body: item.title, tag: "mingbai-case-" + item.id, requireInteraction: item.urgent,
  });
  notice.onclick = () => { window.focus(); choose(item.id); };
}

function alertNew(alerts) {
  const open = new Set(alerts.map((item) => item.id));
  if (view.known !== null) {
    for (const item of alerts) if (!view.known.has(item.id) && item.status === "waiting") announce(item);
  }
  view.known = open;
}

function showAlertsButton() {
  const button = $("alerts-on");
  const supported = "Notification" in window;
  button.hidden = !supported || Notification.permission === "granted";
  if (supported && Notification.permission === "denied") {
    button.hidden = false;
    button.disabled = true;
    button.textContent = "桌面提醒被浏览器禁止了（新求助仍会响铃）";
  }
}

// --- the list -------------------------------------------------------------------------------

function renderQueue(data) {
  const list = $("queue");
  list.replaceChildren();
  for (const item of data.queue) {
    const button = el("button", "case-item" + (item.urgent ? " urgent" : "") + (item.mine ? " mine" : "") +
      (item.overdue ? " overdue" : ""));
    button.type = "button";
    button.dataset.id = item.id;
    if (item.id === view.caseId) button.setAttribute("aria-current", "true");
    const head = el("span", "line");
    if (item.urgent) head.appendChild(el("span", "badge urgent", item.danger ? "紧急 · " + item.danger : "紧急"));
    if (item.overdue) head.appendChild(el("span", "badge overdue", "超时"));
    if (item.unread) head.appendChild(el("span", "badge unread", item.unread + " 条新消息"));
    head.appendChild(el("strong", "title", "#" + item.id + " " + item.title));
    button.appendChild(head);
    const meta = [item.platform, item.villager, item.place, waitingLine(item), item.adviser].filter(Boolean);
    button.appendChild(el("span", "line meta", meta.join(" · ")));
    if (item.last) button.appendChild(el("span", "line last", item.last));
    button.addEventListener("click", () => choose(item.id));
    const entry = el("li");
    entry.appendChild(button);
    list.appendChild(entry);
  }
  const waiting = data.alerts.filter((item) => item.status === "waiting").length;
  $("count").textContent = waiting ? "（" + waiting + " 人在等）" : "";
  $("queue-empty").hidden = data.queue.length > 0;
  document.title = (waiting ? "(" + waiting + ") " : "") + "顾问台 · 明白";
  for (const button of $("filters").querySelectorAll("button")) {
    const chosen = button.dataset.filter === view.filter;
    button.setAttribute("aria-pressed", String(chosen));
    if (chosen) $("list-name").textContent = view.filter === "open" ? "排队的求助" : button.textContent;
  }
}

// --- the case -------------------------------------------------------------------------------

function contextLine(row) {
  const node = el("li", "line-" + row.from + (row.button ? " pressed" : ""));
  const who = row.from === "villager" ? (row.button ? "村民点了" : "村民") : "机器人";
  node.appendChild(el("span", "who", who + " · " + clock(row.at)));
  const lines = row.text.split("\n");
  if (row.from === "bot" && lines.length > 1) {  // the bot's answers: the first line, opened on demand
    const more = el("details", "answer");
    more.appendChild(rich(el("summary"), lines[0]));
    more.appendChild(rich(el("div", "text"), lines.slice(1).join("\n")));
    node.appendChild(more);
  } else {
    node.appendChild(rich(el("div", "text"), row.button ? "「" + row.text + "」" : row.text));
  }
  return node;
}

function renderEvent(event) {
  let node = view.events.get(event.id);
  if (!node) {
    node = el("li", "event " + event.kind);
    const head = el("div", "who");
    head.appendChild(el("strong", "", event.who));
    head.appendChild(el("time", "", clock(event.at)));
    if (event.kind === "note") head.appendChild(el("span", "badge", "内部备注"));
    node.appendChild(head);
    node.appendChild(rich(el("div", "text"), event.text));
    if (event.delivery) node.appendChild(el("div", "delivery"));
    $("events").appendChild(node);
    view.events.set(event.id, node);
  }
  if (event.delivery) {
    const delivery = node.querySelector(".delivery");
    delivery.textContent = DELIVERY[event.delivery] || event.delivery;
    delivery.dataset.state = event.delivery;
  }
}

function renderEarlier(item) {
  const line = $("earlier");
  line.replaceChildren();
  line.hidden = item.earlier.length === 0;
  if (!item.earlier.length) return;
  line.appendChild(document.createTextNode("这位村民以前的求助："));
  for (const other of item.earlier) {
    const link = el("a", "", "#" + other.id + " " + other.title + "（" + other.status_label + "，" + clock(other.at) + "）");
    link.href = "#case-" + other.id;
    link.addEventListener("click", (event) => { event.preventDefault(); choose(other.id); });
    line.appendChild(link);
  }
}

function renderTemplates(item) {
  view.templates = item.templates;
  const menu = $("template");
  menu.replaceChildren(el("option", "", "常用回复…"));
  menu.firstChild.value = "";
  for (const template of item.templates) {
    const option = el("option", "", template.title + "：" + template.text.slice(0, 24));
    option.value = template.text;
    menu.appendChild(option);
  }
}

function renderCase(item) {
  $("pick").hidden = !!item;
  $("case").hidden = !item;
  document.body.classList.toggle("showing-case", !!item);
  if (!item) return;
  const fresh = view.lastCase === null || view.lastCase.id !== item.id;
  $("case-title").replaceChildren();
  if (item.urgent) $("case-title").appendChild(el("span", "badge urgent", item.danger ? "紧急 · " + item.danger : "紧急"));
  $("case-title").appendChild(document.createTextNode("#" + item.id + " " + item.title));
  const meta = [item.platform, item.villager, item.place ? "地区：" + item.place : null, waitingLine(item),
    item.adviser ? "顾问：" + item.adviser : null, item.rating ? "评分 " + "★".repeat(item.rating) : null,
    item.summary ? "小结：" + item.summary : null].filter(Boolean);
  $("case-meta").textContent = meta.join(" · ");
  $("callback").hidden = !item.wants_callback;
  $("callback").replaceChildren();
  if (item.callback) {
    $("callback").appendChild(document.createTextNode("📞 村民请您回电："));
    const call = el("a", "", item.callback);
    call.href = "tel:" + item.callback;
    $("callback").appendChild(call);
    $("callback").appendChild(document.createTextNode("（只有接手的顾问能看到，结案后删除）"));
  } else if (item.wants_callback) {
    $("callback").textContent = "📞 村民请求回电：接手后能看到电话号码。";
  }
  const open = item.status !== "closed";
  $("claim").hidden = item.status !== "waiting";
  $("transfer").hidden = !open || !item.may_manage;  // the claimer's (or an admin's)
  $("close").hidden = !open || !item.may_manage;
  for (const id of ["send", "template"]) $(id).disabled = !item.may_reply;
  if (!open) $("transferring").hidden = $("closing").hidden = true;
  if (fresh) {
    $("context-list").replaceChildren(...item.context.map(contextLine));
    $("handed").hidden = item.context.length === 0;
    renderEarlier(item);
    renderTemplates(item);
    const to = $("transfer-to");
    to.replaceChildren(el("option", "", "转回队列（谁都可以接）"));
    to.firstChild.value = "";
    for (const colleague of item.colleagues) {
      const option = el("option", "", colleague.name);
      option.value = colleague.id;
      to.appendChild(option);
    }
  }
  const scroller = $("conversation");
  const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  item.events.forEach(renderEvent);
  if (fresh || atBottom) scroller.scrollTop = scroller.scrollHeight;
  if (item.status !== "waiting") $("claim-first").hidden = true;
  view.lastCase = item;
}

function render(data) {
  view.zone = data.zone.id;
  $("zone").textContent = "时间均为" + data.zone.label;
  if (document.activeElement !== $("display")) $("display").value = data.me.display;
  alertNew(data.alerts);
  renderQueue(data);
  renderCase(data.case);
}

function stateUrl() {
  const query = new URLSearchParams({ filter: view.filter });
  if (view.caseId) query.set("case", view.caseId);
  if (view.words) query.set("q", view.words);
  return "/adviser/api/state?" + query;
}

async function refresh() {
  clearTimeout(view.timer);
  try {
    render(await request(stateUrl()));
    if ($("status").dataset.offline) { say(""); delete $("status").dataset.offline; }
  } catch (error) {
    say("连不上服务器，正在重试…");
    $("status").dataset.offline = "1";
  }
  view.timer = setTimeout(refresh, POLL_MS);
}

function choose(id) {
  view.caseId = id;
  view.events.clear();
  view.lastCase = null;
  $("events").replaceChildren();
  $("closing").hidden = $("transferring").hidden = $("claim-first").hidden = true;
  $("compose").hidden = false;
  say("");
  refresh();
}

async function act(action, body) {
  say("");
  try {
    render(await request("/adviser/api/cases/" + view.caseId + "/" + action + "?" +
      new URLSearchParams({ filter: view.filter, q: view.words }), body || {}));
    return true;
  } catch (error) {
    if (error.needsClaim) {  // a colleague sent it back to the queue meanwhile
      $("claim-first").hidden = false;
      $("claim-send").focus();
    } else {
      say(error.message);
    }
    return false;
  }
}

// --- replying: Enter sends, 「/」 finds a template ------------------------------------------

async function send(extra) {
  const text = $("text").value;
  if (!text.trim() || $("send").disabled) return;
  if (view.lastCase && view.lastCase.status === "waiting" && !extra.claim) {  // the server would refuse it too
    $("claim-first").hidden = false;
    $("claim-send").focus();
    return;
  }
  if (await act("reply", { text, ...extra })) {
    $("text").value = "";
    $("claim-first").hidden = true;
  }
}

function slashQuery() {
  const match = /(?:^|\s)\/(\S*)$/.exec($("text").value);
  return match ? match[1].toLowerCase() : null;
}

function matchingTemplates(query) {
  return view.templates.filter((t) => !query || t.title.toLowerCase().includes(query) ||
    t.name.includes(query) || t.text.includes(query));
}

function renderTemplateMenu() {
  const query = slashQuery();
  const menu = $("template-menu");
  const found = query === null ? [] : matchingTemplates(query);
  menu.hidden = found.length === 0;
  view.choice = Math.min(view.choice, Math.max(0, found.length - 1));
  menu.replaceChildren(...found.map((template, index) => {
    const option = el("li", index === view.choice ? "chosen" : "");
    option.setAttribute("role", "option");
    option.appendChild(el("strong", "", template.title));
    option.appendChild(document.createTextNode(" " + template.text.slice(0, 40)));
    option.addEventListener("mousedown", (event) => { event.preventDefault(); useTemplate(template); });
    return option;
  }));
  return found;
}

function useTemplate(template) {
  $("text").value = $("text").value.replace(/(^|\s)\/\S*$/, "$1") + template.text;
  $("template-menu").hidden = true;
  $("text").focus();
}

$("text").addEventListener("input", () => { view.choice = 0; renderTemplateMenu(); });
$("text").addEventListener("keydown", (event) => {
  if (event.isComposing) return;  // an IME is still composing Chinese: Enter picks the characters
  const menuOpen = !$("template-menu").hidden;
  if (menuOpen && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
    event.preventDefault();
    view.choice += event.key === "ArrowDown" ? 1 : -1;
    view.choice = Math.max(0, view.choice);
    renderTemplateMenu();
  } else if (menuOpen && (event.key === "Enter" || event.key === "Tab")) {
    event.preventDefault();
    const found = renderTemplateMenu();
    if (found.length) useTemplate(found[view.choice]);
  } else if (menuOpen && event.key === "Escape") {
    $("template-menu").hidden = true;
  } else if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    send({});
  }
});
$("compose").addEventListener("submit", (event) => { event.preventDefault(); send({}); });
$("claim-send").addEventListener("click", () => send({ claim: true }));
$("note").addEventListener("click", async () => {
  if ($("text").value.trim() && await act("note", { text: $("text").value })) $("text").value = "";
});
$("template").addEventListener("change", () => {
  const chosen = $("template").value;
  if (chosen) $("text").value = $("text").value.trim() ? $("text").value + "\n" + chosen : chosen;
  $("template").value = "";
  $("text").focus();
});

// --- case actions ---------------------------------------------------------------------------

$("claim").addEventListener("click", () => act("claim"));
$("transfer").addEventListener("click", () => {
  $("transferring").hidden = false;
  $("closing").hidden = true;
  $("transfer-to").focus();
});
$("cancel-transfer").addEventListener("click", () => { $("transferring").hidden = true; });
$("transferring").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (await act("transfer", { to: $("transfer-to").value || null, note: $("transfer-note").value })) {
    $("transfer-note").value = "";
    $("transferring").hidden = true;
  }
});
$("close").addEventListener("click", () => {
  $("closing").hidden = false;
  $("transferring").hidden = true;
  $("summary").focus();
});
$("cancel-close").addEventListener("click", () => { $("closing").hidden = true; });
$("closing").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (await act("close", { summary: $("summary").value })) {
    $("summary").value = "";
    $("closing").hidden = true;
  }
});
$("back").addEventListener("click", () => {
  view.caseId = null;
  view.lastCase = null;
  renderCase(null);
  refresh();
});

// --- the list's filters and search ----------------------------------------------------------

for (const button of $("filters").querySelectorAll("button")) {
  button.addEventListener("click", () => { view.filter = button.dataset.filter; refresh(); });
}
let searching = null;
$("search").addEventListener("input", () => {
  clearTimeout(searching);
  searching = setTimeout(() => { view.words = $("search").value.trim(); refresh(); }, 250);
});
$("alerts-on").addEventListener("click", async () => {
  beep(false);  // a click lets the page play sound from now on
  if ("Notification" in window) await Notification.requestPermission();
  showAlertsButton();
});

$("me").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    render(await request("/adviser/api/name", { name: $("display").value }));
    $("display").blur();
    say("已保存：村民会看到“" + $("display").value + "”。");
  } catch (error) {
    say(error.message);
  }
});

showAlertsButton();
refresh();
