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

  // The same rules the server applies, for instant feedback, all of a name's problems at once;
  // the server's answer is final. The length limit is the server's (the whole user ID
  // @name:server_name may not exceed 255 characters), passed in by the page.
  var maxLength = Number(field.getAttribute("data-max-length")) || 255;
  var allowUnderscore = field.getAttribute("data-allow-underscore") === "true";
  function localProblems(name) {
    if (name === "") return ["Please choose a username."];
    var problems = [];
    if (name.length > maxLength) problems.push("Too long: at most " + maxLength + " characters.");
    if (/\s/.test(name)) problems.push("Spaces are not allowed.");
    if (/[A-Z]/.test(name)) problems.push("Please use lowercase letters only.");
    if (/[^A-Za-z0-9._=\-\/+\s]/.test(name)) problems.push("Only lowercase letters, digits and . _ = - / + are allowed.");
    if (name.charAt(0) === "_" && !allowUnderscore) problems.push("Usernames may not begin with an underscore.");
    if (/^[0-9]+$/.test(name)) problems.push("Usernames made only of digits are reserved.");
    return problems;
  }

  function check() {
    var name = field.value;
    var problems = localProblems(name);
    if (problems.length > 0) {
      show("error", problems.join(" "));
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
