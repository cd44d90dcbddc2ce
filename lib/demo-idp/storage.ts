// An in-memory adapter per provider for the demo OpenID Provider (oidc-provider's own one warns on
// every start).
const GRANT_BOUND_MODELS = new Set([
  "AccessToken",
  "AuthorizationCode",
  "RefreshToken",
  "DeviceCode",
  "BackchannelAuthenticationRequest",
]);
const STORAGE_SLACK_SECONDS = 15;

type StoredPayload = Record<string, unknown> & { uid?: string; userCode?: string; grantId?: string };

export function createMemoryAdapter() {
  const entries = new Map<string, { payload: StoredPayload; expiresAt: number | undefined }>();
  const byUid = new Map<string, string>();
  const byUserCode = new Map<string, string>();
  const byGrant = new Map<string, Set<string>>();

  function read(key: string): StoredPayload | undefined {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  return class InMemoryAdapter {
    constructor(private readonly model: string) {}

    private key(id: string): string {
      return `${this.model}:${id}`;
    }

    async upsert(id: string, payload: StoredPayload, expiresIn?: number): Promise<void> {
      const key = this.key(id);
      const expiresAt =
        typeof expiresIn === "number" ? Date.now() + (expiresIn + STORAGE_SLACK_SECONDS) * 1000 : undefined;
      entries.set(key, { payload: structuredClone(payload), expiresAt });
      if (this.model === "Session" && typeof payload.uid === "string") byUid.set(payload.uid, id);
      if (typeof payload.userCode === "string") byUserCode.set(payload.userCode, id);
      if (GRANT_BOUND_MODELS.has(this.model) && typeof payload.grantId === "string") {
        let members = byGrant.get(payload.grantId);
        if (!members) byGrant.set(payload.grantId, (members = new Set()));
        members.add(key);
      }
    }

    async find(id: string): Promise<StoredPayload | undefined> {
      return read(this.key(id));
    }

    async findByUid(uid: string): Promise<StoredPayload | undefined> {
      const id = byUid.get(uid);
      return id === undefined ? undefined : read(this.key(id));
    }

    async findByUserCode(userCode: string): Promise<StoredPayload | undefined> {
      const id = byUserCode.get(userCode);
      return id === undefined ? undefined : read(this.key(id));
    }

    async consume(id: string): Promise<void> {
      const payload = read(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      const key = this.key(id);
      const payload = entries.get(key)?.payload;
      entries.delete(key);
      if (payload?.uid !== undefined && byUid.get(payload.uid) === id) byUid.delete(payload.uid);
      if (payload?.userCode !== undefined && byUserCode.get(payload.userCode) === id) byUserCode.delete(payload.userCode);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const key of byGrant.get(grantId) ?? []) entries.delete(key);
      byGrant.delete(grantId);
    }
  };
}
