// WCAG 2.1 contrast, to warn an admin whose colours would make the pages hard to read.

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

export function relativeLuminance(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16);
  return 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
}

export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

/** Warnings for pairs under WCAG AA's 4.5:1 for normal text. */
export function contrastWarnings(colors: { primary: string; background: string; text: string }): string[] {
  const warnings: string[] = [];
  const check = (label: string, fg: string, bg: string) => {
    const ratio = contrastRatio(fg, bg);
    if (ratio < 4.5) warnings.push(`${label}: contrast ${ratio.toFixed(2)}:1 is below WCAG AA's 4.5:1.`);
  };
  check("Text on background", colors.text, colors.background);
  check("Text on the cards", colors.text, "#ffffff");
  check("Button text on the primary colour", "#ffffff", colors.primary);
  return warnings;
}
