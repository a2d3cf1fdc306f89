// Login: posts the name and password as JSON with the console's same-site header.
"use strict";

document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("error");
  const button = document.getElementById("enter");
  error.hidden = true;
  button.disabled = true;
  try {
    const response = await fetch("/login", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Mingbai": "1" },
      body: JSON.stringify({
        name: document.getElementById("name").value,
        password: document.getElementById("password").value,
        next: new URLSearchParams(location.search).get("next") || ""
      })
    });
    const body = await response.json().catch(() => ({}));  // a proxy's error page is not JSON
    if (response.ok) { location.assign(body.next); return; }
    error.textContent = body.error || "登录失败，请再试一次。";
  } catch (_) {
    error.textContent = "连不上服务器，请检查网络。";
  }
  error.hidden = false;
  button.disabled = false;
});
