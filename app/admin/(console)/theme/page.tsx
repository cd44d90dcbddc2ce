// /admin/theme – the theme editor with a live preview of every themed page, and the saved versions.
import type { Metadata } from "next";
import { consoleThemeState } from "@/lib/admin/console-data";
import { PREVIEW_PAGES } from "@/lib/admin/preview-samples";
import { PAGE_KINDS } from "@/lib/theme/theme-schema";
import { rollBackThemeAction } from "../actions";
import { ThemeEditor } from "./theme-editor";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Theme — Admin" };

export default async function ThemePage() {
  const { theme, version, versions } = await consoleThemeState();
  return (
    <main className="card wide">
      <h1>Theme</h1>
      <p className="muted">{version === null ? "The built-in theme is in use." : `Version ${version} is in use.`}</p>
      <ThemeEditor initialTheme={theme} pages={[...PREVIEW_PAGES]} pageKinds={[...PAGE_KINDS]} />
      <h2>Saved versions</h2>
      <ol className="versions">
        {versions.map((saved) => (
          <li key={saved.id}>
            Version {saved.id} · {saved.createdAt.toISOString().slice(0, 16).replace("T", " ")} · {saved.createdBy}
            {saved.note ? ` · ${saved.note}` : ""}
            {saved.id !== version ? (
              <form action={rollBackThemeAction.bind(null, saved.id)} className="inline-form">
                <button type="submit" className="link-button">Roll back to this version</button>
              </form>
            ) : (
              " · in use"
            )}
          </li>
        ))}
      </ol>
    </main>
  );
}
