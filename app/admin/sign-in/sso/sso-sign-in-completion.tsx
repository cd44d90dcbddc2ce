"use client";
import { signIn } from "next-auth/react";
import { useEffect, useState } from "react";

export function SsoSignInCompletion() {
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const loginToken = new URLSearchParams(window.location.search).get("loginToken");
    if (!loginToken) {
      setFailed(true);
      return;
    }
    // The token is single-use; drop it from the address bar and history straight away.
    window.history.replaceState(null, "", window.location.pathname);
    void signIn("login-token", { loginToken, redirect: false }).then((result) => {
      if (result?.ok) window.location.assign("/admin");
      else setFailed(true);
    });
  }, []);
  return failed ? (
    <p className="message error" role="alert">
      Single sign-on did not complete. <a href="/admin/sign-in">Try again</a>.
    </p>
  ) : (
    <p role="status">Please wait.</p>
  );
}
