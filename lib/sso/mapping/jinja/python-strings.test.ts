// Python's own answers, checked against CPython 3 (`python3 -c 'print(repr(...))'`).
import { describe, expect, it } from "vitest";
import { pyReplace, pySplit, pyStr, pyStrip, pyTruthy } from "./python-strings";

describe("str methods", () => {
  const cases: Array<{ python: string; actual: () => unknown; expected: unknown }> = [
    { python: "'a  b '.split()", actual: () => pySplit("a  b ", undefined, undefined, false), expected: ["a", "b"] },
    { python: "'  a b  '.split(None, 1)", actual: () => pySplit("  a b  ", null, 1, false), expected: ["a", "b  "] },
    { python: "' a b c '.rsplit(None, 1)", actual: () => pySplit(" a b c ", null, 1, true), expected: [" a b", "c"] },
    { python: "'a,b,c'.rsplit(',', 1)", actual: () => pySplit("a,b,c", ",", 1, true), expected: ["a,b", "c"] },
    { python: "'a,,b'.split(',')", actual: () => pySplit("a,,b", ",", undefined, false), expected: ["a", "", "b"] },
    { python: "'abc'.replace('', '-')", actual: () => pyReplace("abc", "", "-", undefined), expected: "-a-b-c-" },
    { python: "'abc'.replace('', '-', 2)", actual: () => pyReplace("abc", "", "-", 2), expected: "-a-bc" },
    { python: "'aaa'.replace('a', 'b', 2)", actual: () => pyReplace("aaa", "a", "b", 2), expected: "bba" },
    { python: "'xxhixx'.strip('x')", actual: () => pyStrip("xxhixx", "x"), expected: "hi" },
    { python: "'\\xa0hi\\u3000'.strip()", actual: () => pyStrip("\u00a0hi\u3000"), expected: "hi" },
    { python: "'  hi  '.lstrip()", actual: () => pyStrip("  hi  ", undefined, true, false), expected: "hi  " },
  ];
  for (const { python, actual, expected } of cases) {
    it(python, () => {
      expect(actual()).toEqual(expected);
    });
  }

  it("split with an empty separator is an error, as in Python", () => {
    expect(() => pySplit("abc", "", undefined, false)).toThrow("empty separator");
  });
});

describe("str() and truthiness", () => {
  const strings: Array<[unknown, string]> = [
    [undefined, ""],
    [null, "None"],
    [true, "True"],
    [NaN, "nan"],
    [[1, "a'b"], `[1, "a'b"]`],
    [{ a: null, b: [false] }, "{'a': None, 'b': [False]}"],
    ["line\nbreak", "line\nbreak"],
    [["line\nbreak"], "['line\\nbreak']"],
  ];
  for (const [value, expected] of strings) {
    it(`str(${JSON.stringify(value) ?? "Undefined"}) is ${JSON.stringify(expected)}`, () => {
      expect(pyStr(value)).toBe(expected);
    });
  }

  it("empty lists, dicts and strings and zero are false; anything else is true", () => {
    expect([[], {}, "", 0, null, undefined].map(pyTruthy)).toEqual([false, false, false, false, false, false]);
    expect([[0], { a: 0 }, "0", 1].map(pyTruthy)).toEqual([true, true, true, true]);
  });
});
