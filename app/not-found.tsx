// 404 for any other page (the JSON API answers its own M_UNRECOGNIZED): a page with a title that
// says so, in the admin's theme, and the way back to the root page.
import type { Metadata } from "next";
import { ThemedPage } from "./themed-page";

export const metadata: Metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <ThemedPage>
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <a className="button" href="/">Go to the start page</a>
    </ThemedPage>
  );
}
