// Live availability check for the username picker. The form works without this script: it only
// tells the person, while they type, whether a name is free and why not. The server checks again
// on submit whatever this says.
(function () {
  "use strict";
  var form = document.getElementById("form");
  var field = document.getElementById("field-username");
  var status = document.getElementById("field-username-status");
  if (!form || !field || !status) return;

  var DEBOUNCE_MS = 400;
  var timer = null;
  var sequence = 0;

  function show(kind, text) {
    status.textContent = text;
    status.className = "message" + (kind ? " " + kind : "");
    field.classList.toggle("invalid", kind === "error");
    if (kind === "error") field.setAttribute("aria-invalid", "true");
    else field.removeAttribute("aria-invalid");
  }

  // The same rules the server applies, for instant feedback; the server's answer is final.
  function localProblem(name) {
    if (name === "") return "Please choose a username.";
    if (name.length > 255) return "Too long, please choose something shorter.";
    if (/[A-Z]/.test(name)) return "Please use lowercase letters only.";
    if (!/^[a-z0-9._=\-\/+]+$/.test(name)) return "Only lowercase letters, digits and . _ = - / + are allowed.";
    if (name.charAt(0) === "_") return "Usernames may not begin with an underscore.";
    if (/^[0-9]+$/.test(name)) return "Usernames made only of digits are reserved.";
    return null;
  }

  function check() {
    var name = field.value;
    var problem = localProblem(name);
    if (problem) {
      show("error", problem);
      return;
    }
    var mine = ++sequence;
    show("", "Checking if " + name + " is available…");
    fetch("check?username=" + encodeURIComponent(name), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (result) {
        if (mine !== sequence) return; // a newer keystroke has taken over
        if (result.ok && result.body.available === true) show("success", name + " is available.");
        else if (result.ok && result.body.available === false) show("error", name + " is taken, please choose another.");
        else show("error", result.body.error || "This username cannot be used.");
      })
      .catch(function () {
        if (mine === sequence) show("", ""); // offline: the server will decide on submit
      });
  }

  field.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, DEBOUNCE_MS);
  });
  if (field.value && !status.textContent) check();
})();
