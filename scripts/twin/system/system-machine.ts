/**
 * @module The system twin's QEMU: raspi3b with the image as its SD card (so `/dev/gpiochip0` is the real
 * pinctrl-bcm2835 and the unit's device rules meet it), Debian's kernel, initrd and DTB from the image's recipe, the
 * console on the mini UART, QMP for the GPIO registers, and QEMU's USB network device on user-mode networking with
 * `restrict=on` (the guest reaches nothing outside QEMU) whose one way in is a forward bound to 127.0.0.1.
 */
import { Machine, type MachineFiles } from "../machine.ts";

export interface SystemMachineFiles extends MachineFiles {
  readonly image: string;
}

/** The port httap serves in the guest. */
export const GUEST_PORT = 60000;

export function systemCommandLine(f: SystemMachineFiles, append: string, hostPort: number): string[] {
  return Machine.raspi3bCommandLine(f, append, [
    "-drive",
    `if=sd,format=raw,file=${f.image}`,
    "-device",
    "usb-net,netdev=n0",
    "-netdev",
    `user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:${hostPort}-:${GUEST_PORT}`,
  ]);
}

/** A TCP port on 127.0.0.1 that nothing listens on now (the kernel's choice), for the forward. */
export function freeLoopbackPort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** GET http://127.0.0.1:<port>/ through the forward: the status and size, or the error's words. */
export async function fetchForwarded(hostPort: number, timeoutMs = 20_000): Promise<{ status: number; bytes: number; error: string }> {
  try {
    const r = await fetch(`http://127.0.0.1:${hostPort}/`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await r.arrayBuffer();
    return { status: r.status, bytes: body.byteLength, error: "" };
  } catch (error) {
    return { status: 0, bytes: 0, error: (error as Error).message };
  }
}
