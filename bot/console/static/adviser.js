// The advisers' console: polls the queue and the open case every few seconds; every action is one POST.
// Villagers' words are always set with textContent, never parsed as HTML.
"use strict";

const POLL_MS = 2000;
const DELIVERY = { pending: "发送中…", sent: "已送达", failed: "未送达" };
const $ = (id) => document.getElementById(id);
const view = { caseId: null, events: new Map(), lastCase: null, timer: null };

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function elapsed(seconds) {
  if (seconds < 60) return seconds + " 秒";
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? minutes + " 分钟" : Math.floor(minutes / 60) + " 小时 " + (minutes % 60) + " 分钟";
}

function waitingLine(item) {
  return item.status === "waiting" ? "等了 " + elapsed(item.seconds) : item.status_label + " " + elapsed(item.seconds);
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
  if (!response.ok) throw new Error(data.error || "操作没有成功，请再试一次。");
  return data;
}

function renderQueue(queue) {
  const list = $("queue");
  list.replaceChildren();
  for (const item of queue) {
    const button = el("button", "case-item" + (item.urgent ? " urgent" : "") + (item.mine ? " mine" : ""));
    button.type = "button";
    button.dataset.id = item.id;
    if (item.id === view.caseId) button.setAttribute("aria-current", "true");
    const head = el("span", "line");
    if (item.urgent) head.appendChild(el("span", "badge urgent", item.danger ? "紧急 · " + item.danger : "紧急"));
    head.appendChild(el("strong", "", "#" + item.id + " " + item.topic));
    button.appendChild(head);
    button.appendChild(el("span", "line meta", item.platform + " · " + item.villager + " · " + waitingLine(item) +
      (item.adviser ? " · " + item.adviser : "")));
    if (item.last) button.appendChild(el("span", "line last", item.last));
    button.addEventListener("click", () => choose(item.id));
    const entry = el("li");
    entry.appendChild(button);
    list.appendChild(entry);
  }
  const waiting = queue.filter((item) => item.status === "waiting").length;
  $("count").textContent = waiting ? "（" + waiting + " 人在等）" : "";
  $("queue-empty").hidden = queue.length > 0;
  document.title = (waiting ? "(" + waiting + ") " : "") + "顾问台 · 明白";
}

function renderEvent(event) {
  let node = view.events.get(event.id);
  if (!node) {
    node = el("li", "event " + event.kind);
    const head = el("div", "who");
    head.appendChild(el("strong", "", event.who));
    head.appendChild(el("time", "", new Date(event.at * 1000).toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit" })));
    if (event.kind === "note") head.appendChild(el("span", "badge", "内部备注"));
    node.appendChild(head);
    node.appendChild(el("div", "text", event.text));
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

function renderCase(item) {
  $("pick").hidden = !!item;
  $("case").hidden = !item;
  if (!item) return;
  const fresh = view.lastCase === null || view.lastCase.id !== item.id;
  $("case-title").textContent = "#" + item.id + " · " + item.platform + " · " + item.villager + (item.urgent ? " · 紧急" : "");
  let meta = "话题：" + item.topic + " · " + waitingLine(item) + (item.adviser ? " · 顾问：" + item.adviser : "");
  if (item.rating) meta += " · 评分 " + "★".repeat(item.rating);
  if (item.summary) meta += " · 小结：" + item.summary;
  $("case-meta").textContent = meta;
  const open = item.status !== "closed";
  const takenByOther = item.status === "claimed" && !item.mine;
  $("claim").hidden = item.status !== "waiting";
  $("transfer").hidden = item.status !== "claimed" || !item.may_manage;  // the claimer's (or an admin's)
  $("close").hidden = !open || !item.may_manage;
  for (const id of ["send", "template"]) $(id).disabled = !open || takenByOther;
  for (const id of ["text", "note"]) $(id).disabled = false;  // notes are the whole team's, on any case
  if (fresh) {
    const context = $("context-list");
    context.replaceChildren(...item.context.map((row) => el("li", "", row.from + "：" + row.text)));
    $("context").hidden = item.context.length === 0;
    const menu = $("template");
    menu.replaceChildren(el("option", "", "常用回复…"));
    menu.firstChild.value = "";
    for (const template of item.templates) {
      const option = el("option", "", template.name + "：" + template.text.slice(0, 24));
      option.value = template.text;
      menu.appendChild(option);
    }
  }
  const log = $("events");
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  item.events.forEach(renderEvent);
  if (fresh || atBottom) log.scrollTop = log.scrollHeight;
  view.lastCase = item;
}

function render(data) {
  if (document.activeElement !== $("display")) $("display").value = data.me.display;
  renderQueue(data.queue);
  renderCase(data.case);
}

async function refresh() {
  clearTimeout(view.timer);
  try {
    render(await request("/adviser/api/state" + (view.caseId ? "?case=" + view.caseId : "")));
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
  $("closing").hidden = true;
  $("compose").hidden = false;
  say("");
  refresh();
}

async function act(action, body) {
  say("");
  try {
    render(await request("/adviser/api/cases/" + view.caseId + "/" + action, body || {}));
    return true;
  } catch (error) {
    say(error.message);
    return false;
  }
}

$("compose").addEventListener("submit", async (event) => {
  event.preventDefault();
  if ($("text").value.trim() && await act("reply", { text: $("text").value })) $("text").value = "";
});
$("note").addEventListener("click", async () => {
  if ($("text").value.trim() && await act("note", { text: $("text").value })) $("text").value = "";
});
$("template").addEventListener("change", () => {
  const chosen = $("template").value;
  if (chosen) $("text").value = $("text").value.trim() ? $("text").value + "\n" + chosen : chosen;
  $("template").value = "";
  $("text").focus();
});
$("claim").addEventListener("click", () => act("claim"));
$("transfer").addEventListener("click", () => act("transfer"));
$("close").addEventListener("click", () => { $("closing").hidden = false; $("compose").hidden = true; $("summary").focus(); });
$("cancel-close").addEventListener("click", () => { $("closing").hidden = true; $("compose").hidden = false; });
$("closing").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (await act("close", { summary: $("summary").value })) {
    $("summary").value = "";
    $("closing").hidden = true;
    $("compose").hidden = false;
  }
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

refresh();
