// /admin/theme – the theme editor with a live preview of every themed page, and the saved versions.
import type { Metadata } from "next";
import { consoleThemeState } from "@/lib/admin/console-data";
import { PREVIEW_PAGES } from "@/lib/admin/preview-samples";
import { PAGE_TEXT_FIELDS, TEXT_KEY_LABELS } from "@/lib/theme/theme-schema";
import { resetThemeAction, rollBackThemeAction } from "../actions";
import { ConfirmAction } from "../confirm-action";
import { ThemeEditor } from "./theme-editor";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Theme — Admin" };

export default async function ThemePage() {
  const { theme, version, versions } = await consoleThemeState();
  return (
    <main className="card wide">
      <h1>Theme</h1>
      <p className="muted">{version === null ? "The built-in theme is in use." : `Version ${version} is in use.`}</p>
      <ThemeEditor version={version} initialTheme={theme} pages={[...PREVIEW_PAGES]} textFields={PAGE_TEXT_FIELDS} textKeyLabels={TEXT_KEY_LABELS} />
      {version !== null ? (
        <ConfirmAction
          label="Reset to the built-in theme…"
          question="Reset every page to the built-in look? This is saved as a new version: the current one stays in the list below to roll back to."
          confirmLabel="Reset the theme"
          action={resetThemeAction}
        />
      ) : null}
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
