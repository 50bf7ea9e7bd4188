import { describe, expect, test } from "bun:test";
import { EdgeOrigins } from "./edge-origins.ts";

const US = 1000;

describe("EdgeOrigins", () => {
  test("a sleep begun in time that ends before its edge: its edge, if late, is the engine's own", () => {
    const o = new EdgeOrigins();
    expect(o.noteSleep(0, 900 * US, 960 * US, 1000 * US)).toBe(60 * US); // woke 60 µs late, still before the edge
    expect(o.isHosts(1000 * US)).toBe(false);
  });

  test("a sleep begun in time that ends past its edge: that edge and every one due before the thread was back", () => {
    const o = new EdgeOrigins();
    expect(o.noteSleep(0, 900 * US, 1700 * US, 1000 * US)).toBe(800 * US);
    expect(o.isHosts(1000 * US)).toBe(true);
    expect(o.isHosts(1500 * US)).toBe(true); // overdue too, fired in the same pass or the next ones
    expect(o.isHosts(1700 * US)).toBe(true);
    expect(o.isHosts(1701 * US)).toBe(false); // due after the thread was back: its lateness is the engine's
  });

  test("a sleep entered after its wake time (the loop held up on its way) is the engine's, however late its edge", () => {
    const o = new EdgeOrigins();
    expect(o.noteSleep(950 * US, 900 * US, 1700 * US, 1000 * US)).toBe(0);
    expect(o.isHosts(1000 * US)).toBe(false);
  });

  test("a later late wake-up moves the mark; an earlier one's edges stay the host's", () => {
    const o = new EdgeOrigins();
    o.noteSleep(0, 900 * US, 1700 * US, 1000 * US);
    o.noteSleep(2000 * US, 2400 * US, 2450 * US, 2500 * US); // in time
    expect(o.isHosts(1200 * US)).toBe(true);
    expect(o.isHosts(2500 * US)).toBe(false);
    o.noteSleep(3000 * US, 3400 * US, 4100 * US, 3500 * US);
    expect(o.isHosts(3500 * US)).toBe(true);
  });
});
