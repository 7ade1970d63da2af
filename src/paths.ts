/**
 * Where the project's files live, resolved from this module so that commands work from
 * any working directory (including notebooks/).
 */
import { fileURLToPath } from "node:url";

/** The repository root, as a file-system path ending without a slash. */
export const PROJECT_ROOT: string = fileURLToPath(new URL("..", import.meta.url)).replace(
  /\/$/,
  "",
);

/** The folder that set-up fills with verified model files. */
export const MODELS_DIR = `${PROJECT_ROOT}/models`;

/** The folder that set-up fills with the bundled sample photos. */
export const SAMPLES_DIR = `${PROJECT_ROOT}/data/samples`;

/** The folder that set-up fills with the development set of photos (see data/README.md). */
export const DEV_DIR = `${PROJECT_ROOT}/data/dev`;

/** The npm packages folder that `deno install` creates. */
export const NODE_MODULES = `${PROJECT_ROOT}/node_modules`;
