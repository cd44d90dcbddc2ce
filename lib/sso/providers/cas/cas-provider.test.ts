import { describe, expect, it } from "vitest";
import { SsoError } from "../../sso-error";
import { parseCasValidationResponse } from "./cas-provider";

const NS = 'xmlns:cas="http://www.yale.edu/tp/cas"';

function refusal(body: string): SsoError {
  try {
    parseCasValidationResponse(body);
  } catch (error) {
    if (error instanceof SsoError) return error;
    throw error;
  }
  throw new Error("accepted");
}

describe("CAS serviceValidate answers", () => {
  it("reads the user and multi-valued attributes, namespaces stripped", () => {
    const result = parseCasValidationResponse(
      `<cas:serviceResponse ${NS}><cas:authenticationSuccess><cas:user> jo </cas:user><cas:attributes>` +
        `<cas:cn>Jo</cas:cn><cas:group>a</cas:group><cas:group>b</cas:group></cas:attributes>` +
        `<cas:attribute name="cn" value="ignored"/></cas:authenticationSuccess></cas:serviceResponse>`,
    );
    expect(result).toEqual({ username: "jo", attributes: { cn: ["Jo"], group: ["a", "b"] } });
  });

  it.each([
    ["malformed XML", `<cas:serviceResponse ${NS}><cas:authenticationSuccess>`, "invalid_response"],
    ["another root", `<html><body>CAS</body></html>`, "missing_service_response"],
    ["the right name in no namespace", `<serviceResponse><authenticationSuccess><user>x</user></authenticationSuccess></serviceResponse>`, "missing_service_response"],
    ["a failure", `<cas:serviceResponse ${NS}><cas:authenticationFailure code="INVALID_TICKET">no</cas:authenticationFailure></cas:serviceResponse>`, "unsucessful_response"],
    ["no user", `<cas:serviceResponse ${NS}><cas:authenticationSuccess><cas:attributes/></cas:authenticationSuccess></cas:serviceResponse>`, "no_user"],
    ["an entity expansion", `<!DOCTYPE x [<!ENTITY e "alice">]><cas:serviceResponse ${NS}><cas:authenticationSuccess><cas:user>&e;</cas:user></cas:authenticationSuccess></cas:serviceResponse>`, null],
  ])("refuses %s on the error page (401)", (_name, body, code) => {
    if (code === null) {
      // A DOCTYPE's entities are not expanded into the user name.
      let username: string | undefined;
      try {
        username = parseCasValidationResponse(body).username;
      } catch (error) {
        expect(error).toBeInstanceOf(SsoError);
        return;
      }
      expect(username).not.toBe("alice");
      return;
    }
    const error = refusal(body);
    expect(error.error).toBe(code);
    expect(error.status).toBe(401);
  });
});
