// The sandbox seen from templates: the known ways out of a stock nunjucks template lead nowhere.
import { describe, expect, it } from "vitest";
import { compileJinjaTemplate } from "./template";

function render(source: string, user: unknown): string {
  return compileJinjaTemplate(source).render({ user });
}

describe("templates cannot reach outside the data", () => {
  const escapes = [
    "{{ user.constructor.constructor('globalThis.__jinjaPwned = 1')() }}",
    "{{ user.sub.constructor.constructor('globalThis.__jinjaPwned = 1')() }}",
    "{{ ''.constructor.constructor('globalThis.__jinjaPwned = 1')() }}",
    "{{ range.constructor('globalThis.__jinjaPwned = 1')() }}",
    "{{ cycler.constructor('globalThis.__jinjaPwned = 1')() }}",
    "{{ constructor.constructor('globalThis.__jinjaPwned = 1')() }}",
    "{{ user['__proto__']['constructor']['constructor']('globalThis.__jinjaPwned = 1')() }}",
    "{% set c = 'constr' ~ 'uctor' %}{{ user[c][c]('globalThis.__jinjaPwned = 1')() }}",
    "{% macro m() %}{% endmacro %}{{ m.constructor('globalThis.__jinjaPwned = 1')() }}",
    "{{ user.groups | join(',', 'constructor') }}",
    "{{ [user] | select('constructor') | list }}",
  ];
  for (const source of escapes) {
    it(source, () => {
      const user = { sub: "abc", groups: ["a"] };
      let output: string | undefined;
      try {
        output = render(source, user);
      } catch {
        output = undefined; // rejected: fine
      }
      expect((globalThis as Record<string, unknown>).__jinjaPwned).toBeUndefined();
      if (output !== undefined) expect(output).not.toMatch(/function|native code/);
    });
  }

  it("does not see Object.prototype members or functions on the claims", () => {
    expect(render("{{ user.constructor }}{{ user.__proto__ }}{{ user.hasOwnProperty }}{{ toString }}", { sub: "x" })).toBe("");
    // The claims are copied as JSON data: functions on the object passed in never reach the template.
    let called = false;
    const userinfo = {
      sub: "x",
      leak() {
        called = true;
        return "leaked";
      },
    };
    expect(() => render("{{ user.leak() }}", userinfo)).toThrow();
    expect(called).toBe(false);
  });

  it("a claim literally named constructor is just data", () => {
    expect(render("{{ user.constructor }}", { constructor: "claim" })).toBe("claim");
  });
});
