// Shared by every console page: log out, and on the admin pages the FAQ reload and the learning loop's buttons.
"use strict";

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Mingbai": "1" },
    body: JSON.stringify(body || {})
  });
  let data = {};
  try { data = await response.json(); } catch (_) { /* an empty or non-JSON answer */ }
  if (response.status === 401) { location.assign("/login?next=" + encodeURIComponent(location.pathname)); }
  return { ok: response.ok, status: response.status, data };
}

document.getElementById("logout").addEventListener("click", async () => {
  await post("/logout");
  location.assign("/login");
});

const reload = document.getElementById("reload");
if (reload) {
  reload.addEventListener("click", async () => {
    reload.disabled = true;
    reload.textContent = "正在检查和载入…";
    await post("/admin/api/faq/reload");
    location.reload();  // the page shows the result, with every error as file:line
  });
}

// The learning loop on the unanswered page: each answer says what happened, with file:line when refused.
function showResult(group, ok, lines) {
  const box = document.getElementById("result-" + group);
  box.className = "result " + (ok ? "ok" : "problem");
  box.replaceChildren(...lines.map((line) => {
    const item = document.createElement("p");
    item.textContent = line;
    return item;
  }));
}

function ids(button) {
  return button.dataset.ids.split(",").filter(Boolean).map(Number);
}

document.querySelectorAll("button.add-example").forEach((button) => {
  button.addEventListener("click", async () => {
    const group = button.dataset.group;
    const intent = document.getElementById("intent-" + group).value;
    button.disabled = true;
    const { data } = await post("/admin/api/unanswered/example", { intent, text: button.dataset.text, ids: ids(button) });
    if (data.ok) {
      showResult(group, true, ["已加为例句：" + data.file + " 第 " + data.line + " 行，问答库已重新载入。"]);
      button.textContent = "已加入";
    } else {
      showResult(group, false, data.problems || [data.error || "没有成功，请再试一次。"]);
      button.disabled = false;
    }
  });
});

document.querySelectorAll("button.review").forEach((button) => {
  button.addEventListener("click", async () => {
    const { data } = await post("/admin/api/unanswered/review", { action: button.dataset.action, ids: ids(button) });
    if (data.ok) location.reload();
    else showResult(button.dataset.group, false, [data.error || "没有成功，请再试一次。"]);
  });
});
