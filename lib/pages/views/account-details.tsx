// The username picker (Synapse's sso_auth_account_details.html). A plain form that posts to its own
// URL, so it works without JavaScript; /sso-username-check.js adds the live availability check.
import { maxLocalpartLength } from "../../matrix/identifiers";
import { pageText, type Theme } from "../../theme/theme-schema";
import { Document } from "./document";

export interface AccountDetailsProps {
  theme: Theme;
  serverName: string;
  idpName: string;
  idpIconUrl?: string;
  /** Prefilled username: the mapper's suggestion, or what the user typed last. */
  localpart: string;
  displayName?: string | null;
  emails: string[];
  /** Which emails stay ticked (all of them on first display). */
  emailsChecked?: string[];
  useDisplayName?: boolean;
  /** Why the last submission was refused, shown next to the field. */
  error?: string;
  /** A positive note in the same place (the live check writes these; the theme preview shows one). */
  notice?: string;
  /** allow_underscore_prefixed_localpart, for the live check's instant feedback. */
  allowUnderscorePrefix?: boolean;
}

export function AccountDetailsView(props: AccountDetailsProps) {
  const { theme, serverName, idpName, idpIconUrl, localpart, displayName, emails, error } = props;
  const checked = new Set(props.emailsChecked ?? emails);
  const hasOptionalData = Boolean(displayName) || emails.length > 0;
  // The real limit is on the whole user ID, so the localpart's depends on the server name.
  const maxLength = maxLocalpartLength(serverName);
  return (
    <Document title="Create your account" theme={theme} scripts={["/sso-username-check.js"]}>
      <h1>{pageText(theme, "account_details", "title", "Choose your user name")}</h1>
      <p>{pageText(theme, "account_details", "intro", `This is required. Continue to create your account on ${serverName}. You can't change this later.`)}</p>
      <form method="post" id="form" noValidate>
        <label htmlFor="field-username">Username</label>
        <div className="username-row">
          <span className="username-affix" aria-hidden="true">@</span>
          <input
            type="text"
            name="username"
            id="field-username"
            defaultValue={localpart}
            className={error ? "invalid" : undefined}
            autoFocus
            autoCorrect="off"
            autoCapitalize="none"
            autoComplete="username"
            spellCheck={false}
            required
            maxLength={maxLength}
            data-max-length={maxLength}
            data-allow-underscore={props.allowUnderscorePrefix ? "true" : undefined}
            aria-describedby="field-username-status field-username-suffix"
            aria-invalid={error ? true : undefined}
          />
          <span className="username-affix server" aria-hidden="true">:{serverName}</span>
          <span className="visually-hidden" id="field-username-suffix">Your user ID will be @name:{serverName}</span>
        </div>
        <output
          id="field-username-status"
          htmlFor="field-username"
          className={`message${error ? " error" : props.notice ? " success" : ""}`}
          role="status"
          aria-live="polite"
        >
          {error ?? props.notice}
        </output>
        {hasOptionalData ? (
          <fieldset className="optional-data">
            <legend>
              {idpIconUrl ? <img src={idpIconUrl} alt="" width={24} height={24} /> : null} Optional data from {idpName}
            </legend>
            {displayName ? (
              <label className="checkbox">
                <input type="checkbox" name="use_display_name" value="true" defaultChecked={props.useDisplayName ?? true} />
                <span>Display name: {displayName}</span>
              </label>
            ) : null}
            {emails.map((email) => (
              <label className="checkbox" key={email}>
                <input type="checkbox" name="use_email" value={email} defaultChecked={checked.has(email)} />
                <span>Email: {email}</span>
              </label>
            ))}
          </fieldset>
        ) : null}
        <button type="submit">{pageText(theme, "account_details", "button", "Continue")}</button>
      </form>
    </Document>
  );
}
