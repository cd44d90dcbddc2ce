// The login fallback page's behaviour (lib/pages/views/login-fallback.tsx): password login through
// the client-server API, and the end of an SSO login (the page's own URL comes back with a
// loginToken, exchanged with m.login.token). The result goes to the embedding client through
// window.onLogin, as the spec's login fallback says; it is never posted to other windows, since
// it holds an access token.
(function () {
  "use strict";
  var status = document.getElementById("login-status");
  var form = document.getElementById("password-form");

  function show(kind, text) {
    status.textContent = text;
    status.className = "message" + (kind ? " " + kind : "");
  }

  function logIn(body) {
    body.initial_device_display_name = "Login fallback";
    return fetch("/_matrix/client/v3/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    })
      .then(function (response) {
        return response.json().then(function (json) {
          if (!response.ok) {
            show("error", json.error || "Login failed");
            return;
          }
          show("success", "Logged in as " + json.user_id);
          if (typeof window.onLogin === "function") window.onLogin(json);
        });
      })
      .catch(function () {
        show("error", "Could not reach the server. Try again.");
      });
  }

  var query = new URLSearchParams(window.location.search);
  var loginToken = query.get("loginToken");
  if (loginToken) {
    // The token is single use: keep it out of the history and a reload.
    query.delete("loginToken");
    var rest = query.toString();
    window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : ""));
    show("", "Logging in…");
    logIn({ type: "m.login.token", token: loginToken });
  }

  if (form) {
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      button.textContent = "Logging in…";
      show("", "");
      logIn({
        type: "m.login.password",
        identifier: { type: "m.id.user", user: form.elements.username.value },
        password: form.elements.password.value,
      }).then(function () {
        button.disabled = false;
        button.textContent = "Log in";
      });
    });
  }
})();
