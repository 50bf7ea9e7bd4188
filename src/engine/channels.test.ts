import { describe, expect, test } from "bun:test";
import { MotorChannel, SpeakerChannel, type Channel } from "./channels.ts";

/** Runs a channel's edges up to `until` ns, recording [time, pin, level]. */
function run(ch: Channel, until: number, log: [number, number, number][]) {
  for (let i = 0; i < 1e6 && ch.nextAt <= until; i++) {
    const at = ch.nextAt;
    ch.fire((pin, level) => log.push([at, pin, level]));
  }
}

describe("speaker channel", () => {
  test("1 kHz for 200 ms: 400 edges, 0.5 ms apart, starting high at the start, low at the end", () => {
    const s = new SpeakerChannel(12);
    const log: [number, number, number][] = [];
    s.play([[1000, 200]], 1e9, (p, l) => log.push([0, p, l]));
    run(s, 2e9, log);
    expect(log.length).toBe(400);
    expect(log[0]).toEqual([1e9, 12, 1]);
    expect(log.at(-1)![2]).toBe(0);
    for (let i = 1; i < log.length; i++) expect(log[i][0] - log[i - 1][0]).toBeCloseTo(0.5e6, 3);
    expect(s.isPlaying).toBe(false);
  });

  test("notes and rests follow each other; a new tone replaces the one playing and leaves the pin low", () => {
    const s = new SpeakerChannel(12);
    const log: [number, number, number][] = [];
    const w = (p: number, l: 0 | 1) => log.push([-1, p, l]);
    s.play(
      [
        [500, 10],
        [0, 10],
        [1000, 5],
      ],
      0,
      w,
    );
    expect(s.endsAt).toBe(25e6);
    run(s, 1e9, log);
    expect(log.filter(([t]) => t >= 10e6 && t < 20e6).length).toBe(0); // 500 Hz × 10 ms ends low: the rest is silent
    expect(log.filter(([t]) => t >= 20e6).length).toBe(10);
    s.play([[440, 1000]], 0, w);
    run(s, 1.1e6, log);
    log.length = 0;
    s.play([[880, 100]], 2e6, w); // replaced while high: first the pin goes low
    expect(log[0]).toEqual([-1, 12, 0]);
  });
});

describe("motor channel", () => {
  const pins = { in1: 5, in2: 6, enable: null };
  test("forward at half speed: IN2 low, PWM on IN1 with 50% duty at the period", () => {
    const m = new MotorChannel(pins);
    const log: [number, number, number][] = [];
    m.set(0.5, 4e6, 20e6, 0, (p, l) => log.push([0, p, l]));
    run(m, 12e6, log);
    expect(log.slice(0, 2)).toEqual([
      [0, 6, 0],
      [0, 5, 1],
    ]);
    expect(log.slice(2).map(([t, p, l]) => [t / 1e6, p, l])).toEqual([
      [2, 5, 0],
      [4, 5, 1],
      [6, 5, 0],
      [8, 5, 1],
      [10, 5, 0],
      [12, 5, 1],
    ]);
    expect(m.speed).toBe(0.5);
  });

  test("a reversal coasts for the dead time, then drives IN2", () => {
    const m = new MotorChannel(pins);
    const log: [number, number, number][] = [];
    const w = (at: number) => (p: number, l: 0 | 1) => log.push([at, p, l]);
    m.set(1, 4e6, 20e6, 0, w(0));
    m.set(-1, 4e6, 20e6, 1e6, w(1e6));
    expect(log.slice(-2)).toEqual([
      [1e6, 5, 0],
      [1e6, 6, 0],
    ]); // coast
    expect(m.nextAt).toBe(21e6);
    run(m, 30e6, log);
    expect(log.slice(-2)).toEqual([
      [21e6, 5, 0],
      [21e6, 6, 1],
    ]);
    expect(m.speed).toBe(-1);
  });

  test("with an enable pin the PWM goes there and IN1/IN2 only set the direction; stop coasts every pin", () => {
    const m = new MotorChannel({ in1: 5, in2: 6, enable: 13 });
    const log: [number, number, number][] = [];
    m.set(0.25, 4e6, 20e6, 0, (p, l) => log.push([0, p, l]));
    run(m, 4e6, log);
    expect(log).toEqual([
      [0, 6, 0],
      [0, 5, 1],
      [0, 13, 1],
      [1e6, 13, 0],
      [4e6, 13, 1],
    ]);
    log.length = 0;
    m.stop((p, l) => log.push([0, p, l]));
    expect(log).toEqual([
      [0, 5, 0],
      [0, 6, 0],
      [0, 13, 0],
    ]);
    expect(m.nextAt).toBe(Infinity);
  });

  test("a motor starting from rest may start later, at `startAt`: nothing moves before, then the PWM runs from there", () => {
    const m = new MotorChannel(pins);
    const log: [number, number, number][] = [];
    const w = (at: number) => (p: number, l: 0 | 1) => log.push([at, p, l]);
    m.set(0.5, 4e6, 20e6, 0, w(0), 0.5e6);
    expect(log).toEqual([]);
    expect(m.speed).toBe(0.5);
    expect(m.nextAt).toBe(0.5e6);
    run(m, 4.5e6, log);
    expect(log.map(([t, p, l]) => [t / 1e6, p, l])).toEqual([
      [0.5, 6, 0],
      [0.5, 5, 1],
      [2.5, 5, 0],
      [4.5, 5, 1],
    ]);
    expect(m.periodStartFrom(4.5e6)).toBe(4.5e6);
    expect(m.periodStartFrom(4.6e6)).toBe(8.5e6);
    m.set(0.25, 4e6, 20e6, 5e6, w(5e6), 6e6); // already running: the new duty takes effect, the phase stays
    expect(m.periodStartFrom(5e6)).toBe(8.5e6);
  });
});
