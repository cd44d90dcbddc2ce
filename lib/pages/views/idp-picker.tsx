// The identity-provider picker (Synapse's sso_login_idp_picker.html): plain links, so it works
// without JavaScript; each goes back to pick_idp with `idp` and `redirectUrl`.
import { pageText, type Theme } from "../../theme/theme-schema";
import { Document } from "./document";

export interface PickerProvider {
  id: string;
  name: string;
  iconUrl?: string;
}

export interface IdpPickerProps {
  theme: Theme;
  serverName: string;
  redirectUrl: string;
  providers: PickerProvider[];
}

export function IdpPickerView({ theme, serverName, redirectUrl, providers }: IdpPickerProps) {
  return (
    <Document title="Choose identity provider" theme={theme}>
      <h1>{pageText(theme, "idp_picker", "title", `Log in to ${serverName}`)}</h1>
      <p>{pageText(theme, "idp_picker", "intro", "Choose an identity provider to log in")}</p>
      <ul className="idp-list">
        {providers.map((provider) => (
          <li key={provider.id}>
            <a
              className="idp-button"
              href={`/_synapse/client/pick_idp?${new URLSearchParams({ idp: provider.id, redirectUrl })}`}
            >
              {provider.iconUrl ? <img src={provider.iconUrl} alt="" width={32} height={32} /> : null}
              <span>{provider.name}</span>
            </a>
          </li>
        ))}
      </ul>
    </Document>
  );
}
