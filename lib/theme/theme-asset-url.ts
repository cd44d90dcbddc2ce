// Where an uploaded theme image is served (app/%5Fsynapse/client/theme/asset/[assetId]). A module
// of its own so the theme editor (a client component) can link images without the asset store.
export const themeAssetUrl = (id: string) => `/_synapse/client/theme/asset/${id}`;
