"use client";
// An unexpected error while rendering a page (Next.js's error boundary): plain words and a way on,
// never the exception. The server has already logged the cause with this digest, which the page
// gives as a reference the admin can look up.
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="card">
      <title>Something went wrong</title>
      <h1>Something went wrong</h1>
      <p>The server could not show this page. Nothing was changed. Try again, or go back to the start page.</p>
      <button type="button" onClick={reset}>Try again</button>
      <a className="button secondary" href="/">Go to the start page</a>
      {error.digest ? <p className="error-code">Reference: {error.digest}</p> : null}
    </main>
  );
}
