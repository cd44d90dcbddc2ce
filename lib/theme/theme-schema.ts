// The theme of the login pages, as an admin edits it: every field validated, with defaults, so a
// stored theme always renders. Colours are hex; texts are plain text (escaped when rendered).
import { z } from "zod";

export const PAGE_KINDS = [
  "idp_picker",
  "account_details",
  "redirect_confirm",
  "sso_error",
  "auth_confirm",
  "auth_success",
  "bad_user",
  "account_deactivated",
] as const;
export type PageKind = (typeof PAGE_KINDS)[number];
export type PageTextKey = "title" | "intro" | "button";

/**
 * What the theme editor calls each page, and the texts that page really shows (a field that
 * changes nothing would only confuse): the admin reads "Username picker heading", not a key.
 */
export const PAGE_TEXT_FIELDS: Record<PageKind, { label: string; keys: PageTextKey[] }> = {
  idp_picker: { label: "Identity provider picker", keys: ["title", "intro"] },
  account_details: { label: "Username picker", keys: ["title", "intro", "button"] },
  redirect_confirm: { label: "Redirect confirmation", keys: ["title", "button"] },
  sso_error: { label: "Error page", keys: ["title", "intro"] },
  auth_confirm: { label: "Re-authentication", keys: ["title"] },
  auth_success: { label: "Re-authentication success", keys: ["title", "intro"] },
  bad_user: { label: "Re-authentication: wrong user", keys: ["title"] },
  account_deactivated: { label: "Account deactivated", keys: ["title", "intro"] },
};

export const TEXT_KEY_LABELS: Record<PageTextKey, string> = { title: "heading", intro: "introduction", button: "button label" };

const hexColour = z.string().regex(/^#[0-9a-fA-F]{6}$/, "must be a colour like #0b7a5f");
const text = (max: number) => z.string().trim().max(max).optional();
const link = z.object({
  label: z.string().trim().min(1).max(60),
  url: z.string().url().refine((url) => /^https?:\/\//.test(url), "must be an http(s) URL"),
});
const pageTexts = z.object({ title: text(120), intro: text(500), button: text(40) }).default({});

export const themeSchema = z.object({
  productName: z.string().trim().min(1).max(60).default("Matrix"),
  logoAssetId: z.string().regex(/^[a-f0-9]{64}$/).optional(),
  faviconAssetId: z.string().regex(/^[a-f0-9]{64}$/).optional(),
  colors: z
    .object({ primary: hexColour.default("#0b7a5f"), background: hexColour.default("#f4f6f8"), text: hexColour.default("#17191c") })
    .default({ primary: "#0b7a5f", background: "#f4f6f8", text: "#17191c" }),
  // A CSS font-family list: names, quotes, commas and spaces only, so it cannot break out of the rule.
  fontStack: z
    .string()
    .max(300)
    .regex(/^[A-Za-z0-9 ,"'_-]+$/, "may only contain font names, quotes, commas and spaces")
    .default('system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif'),
  radius: z.number().int().min(0).max(32).default(10),
  footerLinks: z.array(link).max(6).default([]),
  texts: z.object(Object.fromEntries(PAGE_KINDS.map((kind) => [kind, pageTexts])) as Record<PageKind, typeof pageTexts>).partial().default({}),
  // Appended after the theme's own rules; it cannot close the <style> element it lives in.
  customCss: z
    .string()
    .max(20_000)
    .refine((css) => !/<\/?style|<!--|-->/i.test(css), "may not contain <style>, </style> or HTML comments")
    .default(""),
});

export type Theme = z.output<typeof themeSchema>;
export type ThemeInput = z.input<typeof themeSchema>;

export const DEFAULT_THEME: Theme = themeSchema.parse({});

export function pageText(theme: Theme, page: PageKind, key: PageTextKey, fallback: string): string {
  return theme.texts[page]?.[key] || fallback;
}
