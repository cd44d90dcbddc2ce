// The CSS a theme adds to the pages: its variables, then the admin's own rules.
import type { Theme } from "./theme-schema";

export function themeCss(theme: Theme): string {
  const rules = [
    ":root {",
    `  --color-primary: ${theme.colors.primary};`,
    `  --color-background: ${theme.colors.background};`,
    `  --color-text: ${theme.colors.text};`,
    `  --font-stack: ${theme.fontStack};`,
    `  --radius: ${theme.radius}px;`,
    "}",
  ];
  return theme.customCss ? `${rules.join("\n")}\n${theme.customCss}` : rules.join("\n");
}
