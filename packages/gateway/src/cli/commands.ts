/** Every `floopy` command, in the order `floopy --help` lists them. */
import type { CommandSpec } from "./command-spec.js";
import { configExportCommand } from "./commands/config-export.js";
import { configValidateCommand } from "./commands/config-validate.js";
import { keysCreateCommand } from "./commands/keys-create.js";
import { keysHashCommand } from "./commands/keys-hash.js";
import { keysListCommand } from "./commands/keys-list.js";
import { keysRevokeCommand } from "./commands/keys-revoke.js";
import { keysUpdateCommand } from "./commands/keys-update.js";
import { secretsRotateMasterKeyCommand } from "./commands/secrets-rotate-master-key.js";
import { serveCommand } from "./commands/serve.js";

export const commands: readonly CommandSpec[] = [
  serveCommand,
  keysCreateCommand,
  keysListCommand,
  keysUpdateCommand,
  keysRevokeCommand,
  keysHashCommand,
  configValidateCommand,
  configExportCommand,
  secretsRotateMasterKeyCommand,
];
