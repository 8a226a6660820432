/** The command table of a Pi's shell. */
import type { CommandFn } from '../shell';
import { textCommands } from './text-commands';
import { fileCommands } from './file-commands';
import { KNOWN_COMMANDS, systemCommands } from './system-commands';
import { packageCommands } from './package-commands';
import { sudo } from './sudo';

export const SHELL_COMMANDS: ReadonlyMap<string, CommandFn> = new Map(
  Object.entries({ ...textCommands, ...fileCommands, ...systemCommands, ...packageCommands, sudo }),
);
for (const name of SHELL_COMMANDS.keys()) KNOWN_COMMANDS.add(name);
