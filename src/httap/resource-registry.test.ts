import { describe, expect, test } from "bun:test";
import { ResourceRegistry } from "./resource-registry.ts";
import { defineResource } from "./resource.ts";
import type { ResourceRoutine } from "./resource.ts";

const get: ResourceRoutine = (c) => c.reply.json(0);

describe("defineResource", () => {
  test.each(["", "a b", "IO..SPI", ".IO", "IO/x", "ping", "pingpong", "list", "changes", "loopback", "invalid"])(
    "refuses the name %j",
    (name) => {
      expect(() => defineResource({ name, get })).toThrow(TypeError);
    },
  );

  test("refuses a resource with no routine, a bad member or range", () => {
    expect(() => defineResource({ name: "X" })).toThrow(/get or a post/);
    expect(() => defineResource({ name: "X", get, members: ["a,b"] })).toThrow(/member/);
    expect(() => defineResource({ name: "X", get, members: ["a", "a"] })).toThrow(/twice/);
    expect(() => defineResource({ name: "X", get, range: { size: 0 } })).toThrow(/range size/);
  });

  test("kind defaults from the addressing; Allow follows the routines", () => {
    expect(defineResource({ name: "M", get, range: { size: 4 } }).kind).toBe("memory");
    expect(defineResource({ name: "R", get, members: ["a"] }).kind).toBe("registers");
    expect(defineResource({ name: "V", post: get }).allowLine).toBe("Allow: POST\r\n");
    expect(defineResource({ name: "V", get, post: get }).allowLine).toBe("Allow: GET, HEAD, POST\r\n");
  });
});

describe("ResourceRegistry", () => {
  test("add, freeze, then add throws; duplicates throw", () => {
    const r = new ResourceRegistry().add(defineResource({ name: "A", get }));
    expect(() => r.add(defineResource({ name: "A", get }))).toThrow(/twice/);
    r.freeze();
    expect(r.isFrozen).toBe(true);
    expect(() => r.add(defineResource({ name: "B", get }))).toThrow(/frozen/);
    expect(r.lookup("A")?.name).toBe("A");
    expect(r.lookup("__proto__")).toBeUndefined();
  });

  test("/?list shows the dotted hierarchy with groups, kinds, readable/writable and units", () => {
    const r = new ResourceRegistry()
      .add(defineResource({ name: "IO.SPI.1", post: get, units: "Hz" }))
      .add(defineResource({ name: "IO.LED", get, members: ["red", "green"] }))
      .add(defineResource({ name: "A", get }));
    r.freeze();
    expect(JSON.parse(r.listBody)).toEqual({
      resources: [
        { name: "A", kind: "value", readable: true, writable: false },
        { name: "IO", kind: "group", readable: false, writable: false },
        { name: "IO.LED", kind: "registers", readable: true, writable: false, members: ["red", "green"] },
        { name: "IO.SPI", kind: "group", readable: false, writable: false },
        { name: "IO.SPI.1", kind: "value", readable: false, writable: true, units: "Hz" },
      ],
    });
    expect(r.all.map((x) => x.name)).toEqual(["A", "IO.LED", "IO.SPI.1"]);
  });
});
