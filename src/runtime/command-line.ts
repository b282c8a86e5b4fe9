import { quote } from "shell-quote";

/** argv as one command line that `mcpbox bridge --stdio` splits back into the same argv. */
export const commandLine = (argv: string[]) => quote(argv);
