// Going on from a form POST to somewhere that may leave this site (see ContinueView for why a
// redirect will not do there).
import { createElement } from "react";
import { htmlResponse } from "../pages/html-response";
import { activeTheme } from "../theme/theme-store";
import { ContinueView } from "./views/sign-in-view";

export interface ContinueWording {
  title: string;
  text: string;
  label: string;
}

/** `href` must be a path of this site (it was checked by safeNextPath or built here). */
export async function continuePage(href: string, wording: ContinueWording, cookies: string[] = []): Promise<Response> {
  const { theme } = await activeTheme();
  const headers = new Headers({ Refresh: `0; url=${href}` });
  for (const cookie of cookies) headers.append("Set-Cookie", cookie);
  return htmlResponse(createElement(ContinueView, { theme, href, ...wording }), { headers });
}
