import { describe, expect, it } from "vitest";
import { compileJinjaTemplate } from "./template";

function render(source: string, user: unknown): string {
  return compileJinjaTemplate(source).render({ user });
}

describe("Jinja-compatible rendering", () => {
  const user = {
    sub: "abc",
    name: "John Smith",
    email: "John@Example.com",
    groups: ["admins", "users"],
    empty: [],
    nothing: null,
    verified: false,
    n: 7,
    address: { city: "Paris" },
  };
  const cases: Array<[string, string]> = [
    ["{{ user.missing }}", ""],
    ["{{ user.nothing }}", ""],
    ["{{ user.missing ~ 'x' }}", "x"],
    ["{{ user.name | lower }}", "john smith"],
    ["{{ user.name | upper }}", "JOHN SMITH"],
    ["{{ user.n | lower }}", "7"],
    ["{{ user.name | replace(' ', '.') }}", "John.Smith"],
    ["{{ user.name | replace('o', '0', 1) }}", "J0hn Smith"],
    ["{{ user.missing | default('anon') }}", "anon"],
    ["{{ user.nothing | default('anon') }}", ""],
    ["{{ user.empty | default('anon', true) }}", "anon"],
    ["{{ user.groups | first }}", "admins"],
    ["{{ user.missing | first }}", ""],
    ["{{ '  padded  ' | trim }}", "padded"],
    ["{{ user.missing | trim }}", ""],
    ["{{ user.groups | join(', ') }}", "admins, users"],
    ["{{ user.missing | join(', ') }}", ""],
    ["{{ user.email | localpart_from_email | lower }}", "john"],
    ["{{ user.email.lower() }}", "john@example.com"],
    ["{{ user.groups[-1] }}", "users"],
    ["{{ user.verified }}", "False"],
    ["{{ user.groups }}", "['admins', 'users']"],
    ["{{ user.address }}", "{'city': 'Paris'}"],
    ["{% if user.empty %}y{% else %}n{% endif %}", "n"],
    ["{% if 'admins' in user.groups %}admin{% endif %}", "admin"],
    ["{{ user.address.get('city') }}", "Paris"],
    ["{{ user.nothing is none }}", "True"],
    ["{{ user.missing is defined }}", "False"],
    ["<b>{{ '<i>' }}</b>", "<b><i></b>"],
  ];
  for (const [source, expected] of cases) {
    it(source, () => {
      expect(render(source, user)).toBe(expected);
    });
  }
});
