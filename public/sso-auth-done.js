// The Matrix fallback-auth contract: tell the client that opened this window that the stage is
// done, through window.onAuthDone if the page was embedded, else by posting "authDone" to the opener.
(function () {
  "use strict";
  if (window.onAuthDone) window.onAuthDone();
  else if (window.opener && window.opener.postMessage) window.opener.postMessage("authDone", "*");
})();
