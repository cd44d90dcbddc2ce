"use client";
// An unexpected error while rendering a page (Next.js's error boundary): plain words and a way on,
// never the exception. The server has already logged the cause with this digest, which the page
// gives as a reference the admin can look up.
//
// A client component cannot read the theme on the server as the other pages do (themed-page.tsx),
// so the theme comes as a stylesheet, placed after the root layout's /sso.css so that it wins.
// "Try again" is retry(), which fetches the page from the server again (reset() alone would only
// re-render what already failed there).
export default function ErrorPage({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = error instanceof Error && "digest" in error && typeof error.digest === "string" ? error.digest : undefined;
  return (
    <>
      <link rel="stylesheet" href="/_synapse/client/theme/theme.css" />
      <main className="card">
        <title>Something went wrong</title>
        <h1>Something went wrong</h1>
        <p>The server could not show this page. Nothing was changed. Try again, or go back to the start page.</p>
        <button type="button" onClick={retry}>Try again</button>
        <a className="button secondary" href="/">Go to the start page</a>
        {digest ? <p className="error-code">Reference: {digest}</p> : null}
      </main>
    </>
  );
}
