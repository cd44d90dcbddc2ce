// Reading a request body up to a limit: refused by its declared Content-Length before anything is
// read, and by its streamed size without buffering past the limit — one oversized request cannot
// make the process hold more than `limit` bytes for it.

/** The body's bytes, or `tooLarge()` thrown as soon as the body is known to exceed `limit`. */
export async function readBodyWithin(request: Request, limit: number, tooLarge: () => Error): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw tooLarge();
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** An application/x-www-form-urlencoded body (as a browser form posts it), within `limit` bytes. */
export async function readFormBody(request: Request, limit: number, tooLarge: () => Error): Promise<URLSearchParams> {
  const bytes = await readBodyWithin(request, limit, tooLarge);
  return new URLSearchParams(new TextDecoder().decode(bytes));
}
