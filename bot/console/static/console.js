// Shared by every console page: log out, and on the admin pages the FAQ reload and "copy as YAML" buttons.
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

document.querySelectorAll("button.copy").forEach((button) => {
  button.addEventListener("click", async () => {
    const area = document.getElementById(button.dataset.target);
    area.select();
    try {
      await navigator.clipboard.writeText(area.value);
    } catch (_) {
      document.execCommand("copy");
    }
    button.textContent = "已复制";
  });
});
