import { describe, expect, it } from "vitest";
import { readBodyWithin, readFormBody } from "./body";

const tooLarge = () => new Error("too large");

/** A request whose body arrives in chunks, counting how many were pulled. */
function streamedRequest(chunks: number, chunkSize: number, declaredLength?: number) {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled === chunks) return controller.close();
      pulled += 1;
      controller.enqueue(new Uint8Array(chunkSize).fill(0x61));
    },
  });
  const headers = declaredLength === undefined ? undefined : { "Content-Length": String(declaredLength) };
  const request = new Request("http://127.0.0.1/", { method: "POST", body, headers, duplex: "half" } as RequestInit);
  return { request, pulled: () => pulled };
}

describe("readBodyWithin", () => {
  it("reads a body within the limit", async () => {
    const { request } = streamedRequest(3, 10);
    expect((await readBodyWithin(request, 30, tooLarge)).length).toBe(30);
  });

  it("refuses by the declared length without reading", async () => {
    const { request, pulled } = streamedRequest(100, 1024, 100 * 1024);
    await expect(readBodyWithin(request, 1024, tooLarge)).rejects.toThrow("too large");
    // (A stream pulls its first chunk when it is made; nothing more was read.)
    expect(pulled()).toBeLessThanOrEqual(1);
  });

  it("stops reading as soon as the streamed size passes the limit", async () => {
    const { request, pulled } = streamedRequest(100, 1024);
    await expect(readBodyWithin(request, 4 * 1024, tooLarge)).rejects.toThrow("too large");
    expect(pulled()).toBeLessThanOrEqual(6);
  });
});

describe("readFormBody", () => {
  it("decodes a form", async () => {
    const request = new Request("http://127.0.0.1/", { method: "POST", body: "username=%C3%A9lodie&use_email=a%40b&use_email=c" });
    const form = await readFormBody(request, 1024, tooLarge);
    expect(form.get("username")).toBe("élodie");
    expect(form.getAll("use_email")).toEqual(["a@b", "c"]);
  });
});
