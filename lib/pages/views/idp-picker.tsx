// The identity-provider picker (Synapse's sso_login_idp_picker.html): plain links, so it works
// without JavaScript; each goes back to pick_idp with `idp` and `redirectUrl`.
import { Document } from "./document";

export interface PickerProvider {
  id: string;
  name: string;
  iconUrl?: string;
}

export function IdpPickerView({ serverName, redirectUrl, providers }: { serverName: string; redirectUrl: string; providers: PickerProvider[] }) {
  return (
    <Document title="Choose identity provider">
      <h1>Log in to {serverName}</h1>
      <p>Choose an identity provider to log in</p>
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
