"use client";
// The theme editor: fields on the left, the real pages (rendered on the server by the same
// components, with sample data) previewed on the right as the fields change, before saving.
import { useEffect, useRef, useState } from "react";
import { contrastWarnings } from "@/lib/theme/contrast";
import { themeAssetUrl } from "@/lib/theme/theme-asset-url";
import type { PageKind, PageTextKey, Theme } from "@/lib/theme/theme-schema";
import { saveThemeAction, uploadThemeAssetAction } from "../actions";

type PreviewPage = { id: string; label: string };

type TextFields = Record<PageKind, { label: string; keys: PageTextKey[] }>;

export function ThemeEditor({
  version,
  initialTheme,
  pages,
  textFields,
  textKeyLabels,
}: {
  /** The version in use; when it changes under the editor (a reset, a roll-back) the draft follows. */
  version: number | null;
  initialTheme: Theme;
  pages: PreviewPage[];
  textFields: TextFields;
  textKeyLabels: Record<PageTextKey, string>;
}) {
  const pageKinds = Object.keys(textFields) as PageKind[];
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const [page, setPage] = useState(pages[0].id);
  // The frame's first address only: later pages are posted into it with the draft, so what it
  // shows is never the saved theme of a page the admin has since switched to.
  const [firstPage] = useState(pages[0].id);
  const [textPage, setTextPage] = useState<PageKind>(pageKinds[0]);
  const [shownVersion, setShownVersion] = useState(version);
  if (version !== shownVersion) {
    // React's way to reset state from a changed prop: during render, not in an effect.
    setShownVersion(version);
    setTheme(initialTheme);
  }
  const [status, setStatus] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const form = useRef<HTMLFormElement>(null);
  const warnings = contrastWarnings(theme.colors);

  // Re-render the preview shortly after the last change to the draft, and at once for another page.
  useEffect(() => {
    const timer = setTimeout(() => form.current?.requestSubmit(), 250);
    return () => clearTimeout(timer);
  }, [theme]);
  useEffect(() => {
    form.current?.requestSubmit();
  }, [page]);

  const update = (patch: Partial<Theme>) => setTheme((current) => ({ ...current, ...patch }));
  const setColour = (key: keyof Theme["colors"], value: string) => update({ colors: { ...theme.colors, [key]: value } });
  const setText = (key: PageTextKey, value: string) =>
    update({ texts: { ...theme.texts, [textPage]: { ...theme.texts[textPage], [key]: value || undefined } } });

  async function upload(field: "logoAssetId" | "faviconAssetId", file: File | undefined) {
    if (!file) return;
    const data = new FormData();
    data.set("file", file);
    const result = await uploadThemeAssetAction(data);
    if ("error" in result) setUploadError(result.error);
    else {
      setUploadError(null);
      update({ [field]: result.assetId });
    }
  }

  async function save() {
    const result = await saveThemeAction(theme);
    if ("errors" in result) setStatus({ kind: "error", text: result.errors.join(" ") });
    else setStatus({ kind: "success", text: `Saved as version ${result.version}. The pages use it within a few seconds.` });
  }

  return (
    <div className="theme-editor">
      <div className="theme-fields">
        <label htmlFor="product-name">Product name</label>
        <input id="product-name" type="text" value={theme.productName} onChange={(e) => update({ productName: e.target.value })} />

        <label htmlFor="logo">Logo</label>
        <CurrentImage assetId={theme.logoAssetId} name="logo" onRemove={() => update({ logoAssetId: undefined })} />
        <input id="logo" type="file" accept="image/png,image/jpeg,image/gif,image/webp" onChange={(e) => upload("logoAssetId", e.target.files?.[0])} />
        <label htmlFor="favicon">Favicon</label>
        <CurrentImage assetId={theme.faviconAssetId} name="favicon" onRemove={() => update({ faviconAssetId: undefined })} />
        <input id="favicon" type="file" accept="image/png,image/x-icon,image/gif" onChange={(e) => upload("faviconAssetId", e.target.files?.[0])} />
        {uploadError ? <p className="message error" role="alert">{uploadError}</p> : null}

        <fieldset>
          <legend>Colours</legend>
          {(["primary", "background", "text"] as const).map((key) => (
            <label key={key} className="colour">
              <span>{key[0].toUpperCase() + key.slice(1)} colour</span>
              <input type="color" value={theme.colors[key]} onChange={(e) => setColour(key, e.target.value)} aria-label={`${key} colour`} />
              <input type="text" value={theme.colors[key]} onChange={(e) => setColour(key, e.target.value)} aria-label={`${key} colour (hex)`} />
            </label>
          ))}
          {warnings.map((warning) => (
            <p key={warning} className="message error" role="status">{warning}</p>
          ))}
        </fieldset>

        <label htmlFor="font">Font stack</label>
        <input id="font" type="text" value={theme.fontStack} onChange={(e) => update({ fontStack: e.target.value })} />
        <label htmlFor="radius">Corner radius (px)</label>
        <input id="radius" type="number" min={0} max={32} value={theme.radius} onChange={(e) => update({ radius: Number(e.target.value) })} />

        <fieldset>
          <legend>Footer links</legend>
          {[0, 1].map((index) => (
            <div key={index} className="footer-link">
              <input type="text" placeholder="Label (e.g. Privacy policy)" aria-label={`Footer link ${index + 1} label`} value={theme.footerLinks[index]?.label ?? ""}
                onChange={(e) => {
                  const links = [...theme.footerLinks];
                  links[index] = { label: e.target.value, url: links[index]?.url ?? "" };
                  update({ footerLinks: links.filter((link) => link.label || link.url) });
                }} />
              <input type="url" placeholder="https://…" aria-label={`Footer link ${index + 1} URL`} value={theme.footerLinks[index]?.url ?? ""}
                onChange={(e) => {
                  const links = [...theme.footerLinks];
                  links[index] = { label: links[index]?.label ?? "", url: e.target.value };
                  update({ footerLinks: links.filter((link) => link.label || link.url) });
                }} />
            </div>
          ))}
        </fieldset>

        <fieldset>
          <legend>Texts</legend>
          <label htmlFor="text-page">Page</label>
          <select id="text-page" value={textPage} onChange={(e) => setTextPage(e.target.value as PageKind)}>
            {pageKinds.map((kind) => <option key={kind} value={kind}>{textFields[kind].label}</option>)}
          </select>
          {textFields[textPage].keys.map((key) => (
            <div key={key}>
              <label htmlFor={`text-${key}`}>{`${textFields[textPage].label} ${textKeyLabels[key]}`}</label>
              <input id={`text-${key}`} type="text" value={theme.texts[textPage]?.[key] ?? ""} onChange={(e) => setText(key, e.target.value)} />
            </div>
          ))}
        </fieldset>

        <label htmlFor="custom-css">Custom CSS</label>
        <textarea id="custom-css" rows={6} value={theme.customCss} onChange={(e) => update({ customCss: e.target.value })} />

        <button type="button" onClick={save}>Save theme</button>
        <p className={`message ${status?.kind ?? ""}`} role="status">{status?.text}</p>
      </div>

      <div className="theme-preview">
        <label htmlFor="preview-page">Preview</label>
        <select id="preview-page" value={page} onChange={(e) => setPage(e.target.value)}>
          {pages.map((p) => <option key={p.id} value={p.id}>{p.label}</option>)}
        </select>
        <form ref={form} method="post" action={`/admin/preview/${page}`} target="theme-preview" hidden>
          <input type="hidden" name="theme" value={JSON.stringify(theme)} readOnly />
        </form>
        <iframe name="theme-preview" title="Preview" src={`/admin/preview/${firstPage}`} className="preview-frame" />
      </div>
    </div>
  );
}

/** The image the draft uses now, and the way to stop using it (the preview follows at once). */
function CurrentImage({ assetId, name, onRemove }: { assetId?: string; name: string; onRemove: () => void }) {
  if (!assetId) return <p className="muted current-image">No {name}.</p>;
  return (
    <div className="current-image">
      <img src={themeAssetUrl(assetId)} alt={`Current ${name}`} />
      <button type="button" className="button secondary compact" onClick={onRemove}>Remove {name}</button>
    </div>
  );
}
