/**
 * @module `npm run image -- IMAGE [options]` (issue 9): httap into a Raspberry Pi OS image, ready to flash. See
 * scripts/image/installer.ts for the phases; `--help` for the options. Exit 0 done, 2 bad options, 1 refused image.
 */
import { resolve } from "node:path";
import { InstallError, installIntoImage } from "./image/installer.ts";
import { parseImageOptions, USAGE, UsageError } from "./image/options.ts";

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
try {
  const options = parseImageOptions(argv, { binary: resolve(import.meta.dir, "../dist/httap-linux-arm64") });
  await installIntoImage(options, (line) => console.log(line));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`image: ${error.message}`);
    process.exit(2);
  }
  if (error instanceof InstallError) {
    console.error(`image: ${error.message}; nothing was written`);
    process.exit(1);
  }
  throw error;
}
